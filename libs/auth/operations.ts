/**
 * Every operation Mandate serves, by its AgentCore (or Mandate extension) name: the actions a
 * policy may name (`bedrock-agentcore:<Operation>`). A policy naming anything else without a
 * wildcard is refused at write time.
 */
export const OPERATIONS = [
  // Workload identities and their JWT authorizers
  'CreateWorkloadIdentity',
  'GetWorkloadIdentity',
  'ListWorkloadIdentities',
  'UpdateWorkloadIdentity',
  'DeleteWorkloadIdentity',
  'PutWorkloadIdentityAuthorizer',
  'GetWorkloadIdentityAuthorizer',
  'DeleteWorkloadIdentityAuthorizer',
  // Workload access tokens
  'GetWorkloadAccessToken',
  'GetWorkloadAccessTokenForJWT',
  'GetWorkloadAccessTokenForUserId',
  // Credential providers and the token vault
  'CreateOauth2CredentialProvider',
  'GetOauth2CredentialProvider',
  'ListOauth2CredentialProviders',
  'UpdateOauth2CredentialProvider',
  'DeleteOauth2CredentialProvider',
  'CreateApiKeyCredentialProvider',
  'GetApiKeyCredentialProvider',
  'ListApiKeyCredentialProviders',
  'UpdateApiKeyCredentialProvider',
  'DeleteApiKeyCredentialProvider',
  'GetTokenVault',
  'SetTokenVaultCMK',
  // Tokens and connections
  'GetResourceOauth2Token',
  'CompleteResourceTokenAuth',
  'GetResourceApiKey',
  'RevokeResourceOauth2Connection',
  'ListResourceOauth2Connections',
  'GetResourceOauth2Connection',
  'RevokeResourceOauth2ConnectionById',
  // Consent portals
  'CreateConsentPortal',
  'GetConsentPortal',
  'ListConsentPortals',
  'UpdateConsentPortal',
  'DeleteConsentPortal',
  // Policy engines and Cedar policies (AgentCore Policy), and what an engine decides
  'CreatePolicyEngine',
  'GetPolicyEngine',
  'ListPolicyEngines',
  'UpdatePolicyEngine',
  'DeletePolicyEngine',
  'CreatePolicy',
  'GetPolicy',
  'ListPolicies',
  'UpdatePolicy',
  'DeletePolicy',
  'AttachPolicyEngine',
  'GetPolicySchema',
  // Approvals of releases that policies ask for (channels other than the consent portal)
  'GetTokenReleaseApproval',
  'ApproveTokenRelease',
  'DenyTokenRelease',
  // Webhooks
  'CreateWebhookSubscription',
  'GetWebhookSubscription',
  'ListWebhookSubscriptions',
  'UpdateWebhookSubscription',
  'DeleteWebhookSubscription',
  'RotateWebhookSecret',
  'ListWebhookDeliveries',
  // Tags
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
  // Resource policies of workload identities and credential providers
  'PutResourcePolicy',
  'GetResourcePolicy',
  'DeleteResourcePolicy',
  // Audit
  'ListAuditEvents',
  'VerifyAuditLog',
  // Principals and their access keys
  'CreatePrincipal',
  'GetPrincipal',
  'ListPrincipals',
  'UpdatePrincipal',
  'DeletePrincipal',
  'CreatePrincipalAccessKey',
  'ListPrincipalAccessKeys',
  'DeletePrincipalAccessKey',
] as const;

export type OperationName = (typeof OPERATIONS)[number];
export const KNOWN_OPERATIONS: ReadonlySet<string> = new Set(OPERATIONS);
