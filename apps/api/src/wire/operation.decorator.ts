import { SetMetadata } from '@nestjs/common';
import type { PolicyContext } from '../../../../libs/auth/iam-policy';
import type { OperationName } from '../../../../libs/auth/operations';
import type { WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';

export const OPERATION = Symbol('operation');
export const PUBLIC = Symbol('public');

/** What the access check sees of a request before the handler parses it. */
export interface RequestParts {
  body: unknown;
  params: Record<string, string | undefined>;
}

/** A resource a call touches, as the request names it; the guard turns it into its ARN. */
export type ResourceRef =
  | { kind: 'workload' | 'oauth2' | 'apikey' | 'principal'; name: unknown }
  | { kind: 'arn'; arn: unknown }
  | { kind: 'tokenVault' };

export interface OperationMetadata {
  name: OperationName;
  /**
   * Every resource the call touches, each checked against the caller's policy (besides the
   * workload a verified workload access token names). None: the operation has no resource-level
   * permissions, and policies must allow it on `*`.
   */
  resources?: (request: RequestParts) => ResourceRef[];
  /** Condition keys of the call (`bedrock-agentcore:UserId`, `...:Scopes`, `...:OAuth2Flow`). */
  context?: (request: RequestParts, wat?: WorkloadAccessToken) => PolicyContext;
  /**
   * The body field holding a workload access token: the guard verifies it, checks the policy against
   * the token's workload, and hands the verified token to the handler (`request.wat`).
   */
  watField?: string;
  /**
   * The resources are known only to the handler (CompleteResourceTokenAuth: the session's workload
   * and provider), which authorizes the call itself; the guard still authenticates it.
   */
  authorizedByHandler?: true;
}

/**
 * Marks a handler as an AgentCore operation: callers must be authenticated, and their policy must
 * allow the operation on every resource it touches.
 *
 * @example
 * @Operation('GetWorkloadIdentity', { resources: named('workload', 'name') })
 */
export const Operation = (name: OperationName, options: Omit<OperationMetadata, 'name'> = {}) =>
  SetMetadata(OPERATION, { name, ...options } satisfies OperationMetadata);

/** The value of a body field, unchecked (the handler validates it). */
export const bodyField =
  (field: string) =>
  ({ body }: RequestParts): unknown =>
    typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;

/** One resource of `kind`, named by a body field. */
export const named =
  (kind: 'workload' | 'oauth2' | 'apikey' | 'principal', field: string) =>
  (request: RequestParts): ResourceRef[] => [{ kind, name: bodyField(field)(request) }];

/** Marks a handler that needs no caller authentication (health, the OAuth callback). */
export const Public = () => SetMetadata(PUBLIC, true);

/** A body field's value when it is a string (condition keys carry only what the caller sent as text). */
export const stringField = (request: RequestParts, field: string): string | undefined => {
  const value = bodyField(field)(request);
  return typeof value === 'string' ? value : undefined;
};

/** A body field's string values when it is a list. */
export const stringsField = (request: RequestParts, field: string): string[] | undefined => {
  const value = bodyField(field)(request);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : undefined;
};

/**
 * `bedrock-agentcore:UserId` of a workload access token: the user id it was minted for, or the
 * subject of the user JWT it was minted from.
 */
export const userContext = (wat: WorkloadAccessToken | undefined): PolicyContext => {
  const user = wat?.user;
  if (!user) return {};
  return { 'bedrock-agentcore:UserId': user.kind === 'userId' ? user.userId : user.sub };
};
