/** A portal's pages are all below its path; its URL is that path on the public URL. */
export const portalPath = (portalId: string) => `/portal/${portalId}`;

export const portalUrl = (publicUrl: string, portalId: string) =>
  `${publicUrl.replace(/\/$/, '')}${portalPath(portalId)}`;

/** The consent screen of a session on its portal: the `authorizationUrl` an agent is given. */
export const consentScreenUrl = (publicUrl: string, portalId: string, sessionId: string) =>
  `${portalUrl(publicUrl, portalId)}/consent/${sessionId}`;

/** The approval page of a release a policy asks a person to approve. */
export const approvalPageUrl = (publicUrl: string, portalId: string, approvalId: string) =>
  `${portalUrl(publicUrl, portalId)}/approvals/${approvalId}`;
