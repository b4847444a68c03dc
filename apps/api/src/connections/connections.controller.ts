import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { Client, WithStartWorkflowOperation } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../../../libs/config/config';
import { ConnectionsRepository } from '../../../../libs/vault/connections.repository';
import { connectionId, UserKeys } from '../../../../libs/consent/user-key';
import { InternalServerException, ValidationException } from '../../../../libs/wire/errors';
import { parseInput } from '../../../../libs/wire/validation';
import { connectionLifecycleWorkflow } from '../../../../workflows/connection-lifecycle/connection-lifecycle.workflow';
import { lifecycleStartOptions, revokeUpdate } from '../../../../workflows/connection-lifecycle/definitions';
import { credentialProviderName } from '../credential-providers/credential-provider.schemas';
import { CONFIG } from '../tokens';
import { named, Operation, userContext } from '../wire/operation.decorator';

const revokeInput = z.object({
  workloadIdentityToken: z.string().min(1).max(131_072),
  resourceCredentialProviderName: credentialProviderName,
});

/**
 * Mandate extension: revoke the connections of the user a workload access token names, for one
 * provider: the user-federation one and any on-behalf-of ones. Each connection's lifecycle revokes the
 * tokens at the provider (RFC 7009, where supported), deletes them from the vault and ends; the next
 * token request starts a new consent or exchange.
 */
@Controller('identities')
export class ConnectionsController {
  constructor(
    @Inject(ConnectionsRepository) private readonly connections: ConnectionsRepository,
    @Inject(UserKeys) private readonly userKeys: UserKeys,
    @Inject(Client) private readonly temporal: Client,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Post('RevokeResourceOauth2Connection')
  @HttpCode(200)
  @Operation('RevokeResourceOauth2Connection', {
    watField: 'workloadIdentityToken',
    resources: named('oauth2', 'resourceCredentialProviderName'),
    context: (_request, wat) => userContext(wat),
  })
  async revoke(@Body() body: unknown, @Req() request: FastifyRequest) {
    const input = parseInput(revokeInput, body);
    const wat = request.wat;
    if (!wat) throw new InternalServerException('The workload access token was not verified');
    if (!wat.user) throw ValidationException.field('workloadIdentityToken', 'must be minted for a user');
    const owner = {
      workloadName: wat.workloadName,
      userHash: this.userKeys.hash(wat.user),
      providerName: input.resourceCredentialProviderName,
    };
    // The user-federation connection (revoked even if not stored yet: its consent may be in flight)
    // and every on-behalf-of connection the user has through this workload to this provider; also
    // one a consent started before the upgrade to keyed user hashes may have stored under its old id.
    const ids = new Set([
      connectionId(owner.workloadName, owner.userHash, owner.providerName),
      connectionId(owner.workloadName, this.userKeys.legacy(wat.user), owner.providerName),
      ...(await this.connections.idsOf(owner)),
    ]);
    await Promise.all([...ids].map((id) => this.revokeOne(id, owner)));
    return {};
  }

  private async revokeOne(id: string, owner: { workloadName: string; providerName: string }) {
    const { lifecycle, temporal } = this.config;
    this.connections.forgetCached(id);
    // With-start: a connection whose lifecycle has ended is revoked by a new run of it.
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
