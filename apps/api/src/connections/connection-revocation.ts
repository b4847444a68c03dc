import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Config } from '../../../../libs/config/config';
import type { ConnectionsRepository } from '../../../../libs/vault/connections.repository';
import { connectionLifecycleWorkflow } from '../../../../workflows/connection-lifecycle/connection-lifecycle.workflow';
import { lifecycleStartOptions, revokeUpdate } from '../../../../workflows/connection-lifecycle/definitions';

/**
 * The one revocation of a connection, for operators, agents and the person on a portal alike: its
 * lifecycle revokes the tokens at the provider (RFC 7009, where supported), deletes them from the
 * vault and ends. A connection whose lifecycle has ended is revoked by a new run of it.
 */
export class ConnectionRevocation {
  constructor(
    private readonly connections: Pick<ConnectionsRepository, 'forgetCached'>,
    private readonly temporal: Client,
    private readonly config: Pick<Config, 'lifecycle' | 'temporal'>,
  ) {}

  async revoke(id: string, owner: { workloadName: string; providerName: string }): Promise<void> {
    const { lifecycle, temporal } = this.config;
    this.connections.forgetCached(id);
    await this.temporal.workflow.executeUpdateWithStart(revokeUpdate, {
      startWorkflowOperation: new WithStartWorkflowOperation(connectionLifecycleWorkflow, {
        ...lifecycleStartOptions(
          {
            connectionId: id,
            workloadName: owner.workloadName,
            providerName: owner.providerName,
            timing: lifecycle,
          },
          temporal.taskQueue,
        ),
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
    // Dropped again once revoked: a request meanwhile may have cached the tokens anew.
    this.connections.forgetCached(id);
  }
}
