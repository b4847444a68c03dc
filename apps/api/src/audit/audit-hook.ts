import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../../../libs/audit/audit-log';
import type { UserKeys } from '../../../../libs/consent/user-key';
import { toStorable } from '../../../../libs/wire/text';

/** Body fields that name what an operation acts on, most specific first: names, never secret values. */
const RESOURCE_FIELDS = ['resourceCredentialProviderName', 'resourceArn', 'name', 'RoleArn'] as const;

function resourceOf(request: FastifyRequest): string | undefined {
  for (const source of [request.body, request.params]) {
    if (!source || typeof source !== 'object') continue;
    for (const field of RESOURCE_FIELDS) {
      const value = (source as Record<string, unknown>)[field];
      if (typeof value === 'string' && value.length <= 2048) return toStorable(value);
    }
  }
  return undefined;
}

/** Who called: the verified principal, else the access key id a refused signature claimed, else nobody. */
function actorOf(request: FastifyRequest): string {
  if (request.principal) return `principal:${request.principal.name}`;
  const authorization = request.headers.authorization;
  const claimed = /Credential=([A-Z0-9]{16,128})\//.exec(
    typeof authorization === 'string' ? authorization : '',
  );
  return claimed?.[1] ? `unverified:${claimed[1]}` : 'anonymous';
}

/** How an answered operation ended: `Success`, the AWS error name, or the HTTP status. */
export function operationOutcome(reply: FastifyReply): string {
  if (reply.statusCode < 400) return 'Success';
  const errorType = reply.getHeader('x-amzn-errortype');
  return typeof errorType === 'string' ? errorType : `HTTP ${reply.statusCode}`;
}

/**
 * Writes one audit event per operation call once its answer is sent, refused calls included (the
 * guard names the operation before it authenticates). Off the request path: events are batched.
 */
export function registerAuditHook(fastify: FastifyInstance, audit: AuditLog, userKeys: UserKeys): void {
  // A callback hook: an async one costs a promise per answer on the hot path.
  fastify.addHook('onResponse', (request, reply, done) => {
    done();
    if (!request.operation) return;
    const resource = resourceOf(request);
    void audit.record({
      actor: actorOf(request),
      operation: request.operation,
      ...(request.workloadName ? { workloadName: request.workloadName } : {}),
      ...(resource ? { resource } : {}),
      ...(request.wat?.user ? { userHash: userKeys.hash(request.wat.user) } : {}),
      outcome: operationOutcome(reply),
      detail: {
        status: reply.statusCode,
        // Temporary credentials: the web identity the principal was assumed with (issuer, subject, session).
        ...(request.principal?.session
          ? {
              webIdentityIssuer: request.principal.session.issuer,
              webIdentitySubject: request.principal.session.subject,
              sessionName: request.principal.session.sessionName,
            }
          : {}),
      },
    });
  });
}
