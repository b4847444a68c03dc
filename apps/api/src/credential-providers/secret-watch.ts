import type { Runtime } from '../../../../libs/runtime/runtime';
import { secretWatchWorkflowId } from '../../../../workflows/secret-watch/definitions';
import { secretWatchWorkflow } from '../../../../workflows/secret-watch/secret-watch.workflow';
import { FLOW, STATE } from '../../../../workflows/search-attributes';

/** Starts the watch of an external secret unless one is already running. */
export function secretWatchStarter(runtime: Runtime): (arn: string) => Promise<void> {
  return async (arn) => {
    await runtime.temporal.workflow.start(secretWatchWorkflow, {
      workflowId: secretWatchWorkflowId(arn),
      taskQueue: runtime.config.temporal.taskQueue,
      args: [{ arn, intervalMs: runtime.config.secrets.watchIntervalMs }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: FLOW, value: 'SECRET_WATCH' },
        { key: STATE, value: 'WATCHING' },
      ],
    });
  };
}
