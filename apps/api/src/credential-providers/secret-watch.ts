import type { Client } from '@temporalio/client';
import type { Config } from '../../../../libs/config/config';
import { secretWatchWorkflowId } from '../../../../workflows/secret-watch/definitions';
import { secretWatchWorkflow } from '../../../../workflows/secret-watch/secret-watch.workflow';
import { FLOW, STATE } from '../../../../workflows/search-attributes';

/** Starts the watch of an external secret unless one is already running. */
export function secretWatchStarter(
  temporal: Client,
  config: Pick<Config, 'temporal' | 'secrets'>,
): (arn: string) => Promise<void> {
  return async (arn) => {
    await temporal.workflow.start(secretWatchWorkflow, {
      workflowId: secretWatchWorkflowId(arn),
      taskQueue: config.temporal.taskQueue,
      args: [{ arn, intervalMs: config.secrets.watchIntervalMs }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: FLOW, value: 'SECRET_WATCH' },
        { key: STATE, value: 'WATCHING' },
      ],
    });
  };
}
