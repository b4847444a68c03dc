/** Where this deployment says it lives; ARNs keep AgentCore's shapes with these values. */
export interface Deployment {
  partition: string;
  region: string;
  accountId: string;
}

/**
 * ARNs in AgentCore's shapes.
 *
 * @example
 * workloadIdentityArn({ partition: 'aws', region: 'us-east-1', accountId: '000000000000' }, 'agent-1');
 * // arn:aws:bedrock-agentcore:us-east-1:000000000000:workload-identity-directory/default/workload-identity/agent-1
 */
export function workloadIdentityDirectoryArn(d: Deployment): string {
  return `arn:${d.partition}:bedrock-agentcore:${d.region}:${d.accountId}:workload-identity-directory/default`;
}

export function workloadIdentityArn(d: Deployment, name: string): string {
  return `${workloadIdentityDirectoryArn(d)}/workload-identity/${name}`;
}

/** The workload identity name in one of this deployment's workload identity ARNs, else undefined. */
export function parseWorkloadIdentityArn(d: Deployment, arn: string): string | undefined {
  const prefix = `${workloadIdentityDirectoryArn(d)}/workload-identity/`;
  return arn.startsWith(prefix) ? arn.slice(prefix.length) : undefined;
}

/** `arn:aws:acps:us-east-1:000000000000:token-vault/default/apikeycredentialprovider/openai` */
export function credentialProviderArn(d: Deployment, kind: 'apikey' | 'oauth2', name: string): string {
  return `arn:${d.partition}:acps:${d.region}:${d.accountId}:token-vault/default/${kind}credentialprovider/${name}`;
}

/** The provider name in one of this deployment's credential provider ARNs of `kind`, else undefined. */
export function parseCredentialProviderArn(
  d: Deployment,
  kind: 'apikey' | 'oauth2',
  arn: string,
): string | undefined {
  const prefix = credentialProviderArn(d, kind, '');
  return arn.startsWith(prefix) && arn.length > prefix.length ? arn.slice(prefix.length) : undefined;
}

export function tokenVaultArn(d: Deployment): string {
  return `arn:${d.partition}:acps:${d.region}:${d.accountId}:token-vault/default`;
}

/**
 * A Mandate principal, in the shape of an IAM role ARN, so the AWS SDK's web identity credentials
 * (`AWS_ROLE_ARN`) can name it.
 */
export function principalArn(d: Deployment, name: string): string {
  return `arn:${d.partition}:iam::${d.accountId}:role/${name}`;
}

/** The principal name in one of this deployment's principal ARNs, else undefined. */
export function parsePrincipalArn(d: Deployment, arn: string): string | undefined {
  const prefix = principalArn(d, '');
  return arn.startsWith(prefix) && arn.length > prefix.length ? arn.slice(prefix.length) : undefined;
}

const agentCoreArn = (d: Deployment, path: string) =>
  `arn:${d.partition}:bedrock-agentcore:${d.region}:${d.accountId}:${path}`;

/** `arn:aws:bedrock-agentcore:us-east-1:000000000000:consent-portal/my-portal-abcdefghij` */
export function consentPortalArn(d: Deployment, id: string): string {
  return agentCoreArn(d, `consent-portal/${id}`);
}

/** `arn:aws:bedrock-agentcore:us-east-1:000000000000:policy-engine/releases-abcdefghij` */
export function policyEngineArn(d: Deployment, id: string): string {
  return agentCoreArn(d, `policy-engine/${id}`);
}

export function policyArn(d: Deployment, engineId: string, id: string): string {
  return `${policyEngineArn(d, engineId)}/policy/${id}`;
}

/** The portal id in one of this deployment's consent portal ARNs, else undefined. */
export function parseConsentPortalArn(d: Deployment, arn: string): string | undefined {
  const prefix = consentPortalArn(d, '');
  return arn.startsWith(prefix) && arn.length > prefix.length ? arn.slice(prefix.length) : undefined;
}
