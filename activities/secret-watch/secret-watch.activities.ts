import type { AuditLog } from '../../libs/audit/audit-log';
import type { Metrics } from '../../libs/metrics/metrics';
import type { SecretStore } from '../../libs/secrets/secret-store';
import type { SecretVersionsRepository } from '../../libs/secrets/secret-versions.repository';
import type { WebhookEmitter } from '../webhooks/webhook-emitter';

export interface SecretWatchDeps {
  secrets: Pick<SecretStore, 'currentVersion' | 'invalidate'>;
  versions: SecretVersionsRepository;
  audit: Pick<AuditLog, 'record'>;
  metrics: Pick<Metrics, 'secretRotated'>;
  /** `secret.rotated` for webhook subscribers. */
  webhooks: WebhookEmitter;
  now?: () => Date;
}

/** The I/O of secret watches: secret metadata (never a value), the shared version table, the audit log. */
export function createSecretWatchActivities(deps: SecretWatchDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /**
     * Looks at the secret's AWSCURRENT version; a new one is recorded for every process to drop its
     * cached value, and written to the audit log.
     */
    async checkSecretVersion({ arn }: { arn: string }): Promise<{ watched: boolean; rotated: boolean }> {
      if (!(await deps.versions.stillReferenced(arn))) {
        await deps.versions.forget(arn);
        return { watched: false, rotated: false };
      }
      const versionId = await deps.secrets.currentVersion(arn);
      const { changedFrom } = await deps.versions.record(arn, versionId, now());
      if (changedFrom === undefined) return { watched: true, rotated: false };
      deps.secrets.invalidate(arn);
      deps.metrics.secretRotated();
      await deps.audit.record({
        actor: 'mandate',
        operation: 'SecretWatch.Rotated',
        resource: arn,
        outcome: 'Success',
      });
      await deps.webhooks.emit('secret.rotated', { secretArn: arn });
      return { watched: true, rotated: true };
    },
  };
}

export type SecretWatchActivities = ReturnType<typeof createSecretWatchActivities>;
