/** What a subscription may ask for: changes to connections and consents, rotated secrets, and approvals of releases. */
export const WEBHOOK_EVENT_TYPES = [
  'connection.created',
  'connection.refreshed',
  'connection.refresh_failed',
  'connection.recovered',
  'connection.needs_consent',
  'connection.revoked',
  'consent.completed',
  'consent.failed',
  'secret.rotated',
  'approval.requested',
  'approval.decided',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** References only: never a token, a code or a secret; the user as its keyed hash. */
export type WebhookEventData = {
  connectionId?: string;
  workloadName?: string;
  resourceCredentialProviderName?: string;
  userHash?: string;
  /** A failure's short code (`invalid_grant`, `expired`, ...). */
  reason?: string;
  /** A release approval's id (GetTokenReleaseApproval, ApproveTokenRelease). */
  approvalId?: string;
  /** A rotated secret's ARN. */
  secretArn?: string;
};

/** One event as it travels to the delivery workflow and, as the body, to the receiver. */
export interface WebhookEvent {
  /** Stable across retries of what produced it: receivers deduplicate on it. */
  id: string;
  type: WebhookEventType;
  timestamp: string;
  data: WebhookEventData;
}
