import type { AuditLog } from '../../../../libs/audit/audit-log';
import type { UserKeys } from '../../../../libs/consent/user-key';
import { toStorable } from '../../../../libs/wire/text';
import { outcomeOf, type CallObserver, type OperationCall } from '../wire/operation-call';

/** Body fields that name what an operation acts on, most specific first: names, never secret values. */
const RESOURCE_FIELDS = ['resourceCredentialProviderName', 'resourceArn', 'name', 'RoleArn'] as const;

function resourceOf(call: OperationCall): string | undefined {
  for (const source of [call.body, call.params]) {
    if (!source || typeof source !== 'object') continue;
    for (const field of RESOURCE_FIELDS) {
      const value = (source as Record<string, unknown>)[field];
      if (typeof value === 'string' && value.length <= 2048) return toStorable(value);
    }
  }
  return undefined;
}

/** Who called: the verified principal, else the access key id a refused signature claimed, else nobody. */
function actorOf(call: OperationCall): string {
  if (call.principal) return `principal:${call.principal.name}`;
  const authorization = call.headers.authorization;
  const claimed = /Credential=([A-Z0-9]{16,128})\//.exec(
    typeof authorization === 'string' ? authorization : '',
  );
  return claimed?.[1] ? `unverified:${claimed[1]}` : 'anonymous';
}

/**
 * Writes one audit event per operation call once its answer is sent, refused calls included (the
 * access check names the operation before it authenticates). Off the request path: events are batched.
 */
export function auditCalls(audit: AuditLog, userKeys: UserKeys): CallObserver {
  return (call, answer) => {
    if (!call.operation) return;
    const resource = resourceOf(call);
    audit.note({
      actor: actorOf(call),
      operation: call.operation,
      ...(call.workloadName ? { workloadName: call.workloadName } : {}),
      ...(resource ? { resource } : {}),
      ...(call.wat?.user ? { userHash: userKeys.hash(call.wat.user) } : {}),
      outcome: outcomeOf(answer),
      detail: {
        status: answer.status,
        // Temporary credentials: the web identity the principal was assumed with (issuer, subject, session).
        ...(call.principal?.session
          ? {
              webIdentityIssuer: call.principal.session.issuer,
              webIdentitySubject: call.principal.session.subject,
              sessionName: call.principal.session.sessionName,
            }
          : {}),
      },
    });
  };
}
