import { Worker, type NativeConnection } from '@temporalio/worker';
import { createApprovalActivities } from '../../../activities/approvals/approval.activities';
import { createConsentActivities } from '../../../activities/consent/consent.activities';
import { createLifecycleActivities } from '../../../activities/lifecycle/lifecycle.activities';
import { createSecretWatchActivities } from '../../../activities/secret-watch/secret-watch.activities';
import { createWebhookActivities } from '../../../activities/webhooks/webhook.activities';
import { approvalDeps, consentDeps, lifecycleDeps, secretWatchDeps, webhookDeps } from './activity-deps';
import type { Runtime } from '../../../libs/runtime/runtime';

/**
 * A Temporal worker on Mandate's task queue hosting workflows/ and the activities built from the
 * runtime. Created here, run by the caller (main or the local stack), never inside a DI factory.
 */
export async function createWorker(runtime: Runtime, connection: NativeConnection): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: runtime.config.temporal.namespace,
    taskQueue: runtime.config.temporal.taskQueue,
    workflowsPath: require.resolve('../../../workflows'),
    dataConverter: { payloadCodecs: [runtime.payloadCodec] },
    maxCachedWorkflows: runtime.config.worker.maxCachedWorkflows,
    plugins: runtime.tracing ? [runtime.tracing.plugin] : [],
    activities: {
      ...createConsentActivities(consentDeps(runtime)),
      ...createLifecycleActivities(lifecycleDeps(runtime)),
      ...createSecretWatchActivities(secretWatchDeps(runtime)),
      ...createWebhookActivities(webhookDeps(runtime)),
      ...createApprovalActivities(approvalDeps(runtime)),
    },
  });
}
