import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConnectionsRepository } from '../../../../libs/vault/connections.repository';
import { connectionId, UserKeys } from '../../../../libs/consent/user-key';
import {
  InternalServerException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import { paginate } from '../../../../libs/wire/pagination';
import {
  CONNECTION_STATES,
  ConnectionRecordsRepository,
  type ConnectionRecord,
} from '../../../../libs/vault/connection-records.repository';
import { parseInput } from '../../../../libs/wire/validation';
import { credentialProviderName } from '../credential-providers/credential-provider.schemas';
import { workloadIdentityName } from '../workload-identities/workload-identity.schemas';
import { ConnectionRevocation } from './connection-revocation';
import { named, Operation, userContext } from '../wire/operation.decorator';

/** The operators' operations act on the token vault's connections: policies name the vault's ARN. */
const IN_THE_VAULT = { resources: () => [{ kind: 'tokenVault' as const }] };

const connectionIdInput = z.object({ connectionId: z.string().min(1).max(256) });

const listInput = z.object({
  workloadName: workloadIdentityName.optional(),
  resourceCredentialProviderName: credentialProviderName.optional(),
  state: z.enum(CONNECTION_STATES).optional(),
  maxResults: z.number().int().min(1).max(100).optional(),
  nextToken: z.string().min(1).max(2048).optional(),
});

const revokeInput = z.object({
  workloadIdentityToken: z.string().min(1).max(131_072),
  resourceCredentialProviderName: credentialProviderName,
});

/** What operators see of a connection: its owner, flow, scopes, state and renewals; never a token. */
function describe(record: ConnectionRecord) {
  return {
    connectionId: record.id,
    flow: record.flow,
    workloadName: record.workloadName,
    resourceCredentialProviderName: record.providerName,
    userHash: record.userHash,
    scopes: record.scopes,
    state: record.state,
    ...(record.expiresAt ? { accessTokenExpiresAt: record.expiresAt.toISOString() } : {}),
    ...(record.lastRefreshAt ? { lastRefreshAt: record.lastRefreshAt.toISOString() } : {}),
    ...(record.lastRefreshOutcome ? { lastRefreshOutcome: record.lastRefreshOutcome } : {}),
    ...(record.lastFailure ? { lastFailureCode: record.lastFailure } : {}),
    createdTime: record.createdAt.toISOString(),
    lastUpdatedTime: record.updatedAt.toISOString(),
  };
}

/**
 * Mandate extensions. For operators: list and read the connections the vault holds (by workload,
 * provider and state) and revoke one by its id. For agents: revoke the connections of the user a
 * workload access token names, for one provider: the user-federation one and any on-behalf-of ones. Each connection's lifecycle revokes the
 * tokens at the provider (RFC 7009, where supported), deletes them from the vault and ends; the next
 * token request starts a new consent or exchange.
 */
@Controller('identities')
export class ConnectionsController {
  constructor(
    @Inject(ConnectionsRepository) private readonly connections: ConnectionsRepository,
    @Inject(ConnectionRecordsRepository) private readonly records: ConnectionRecordsRepository,
    @Inject(UserKeys) private readonly userKeys: UserKeys,
    @Inject(ConnectionRevocation) private readonly revocation: ConnectionRevocation,
  ) {}

  @Post('ListResourceOauth2Connections')
  @HttpCode(200)
  @Operation('ListResourceOauth2Connections', IN_THE_VAULT)
  async list(@Body() body: unknown) {
    const input = parseInput(listInput, body ?? {});
    const filter = {
      ...(input.workloadName !== undefined ? { workloadName: input.workloadName } : {}),
      ...(input.resourceCredentialProviderName !== undefined
        ? { providerName: input.resourceCredentialProviderName }
        : {}),
      ...(input.state !== undefined ? { state: input.state } : {}),
    };
    const page = await paginate(input, 50, async (limit, after) =>
      (await this.records.page(filter, limit + 1, after)).map((record) => ({ name: record.id, record })),
    );
    return { connections: page.items.map(({ record }) => describe(record)), ...page.next };
  }

  @Post('GetResourceOauth2Connection')
  @HttpCode(200)
  @Operation('GetResourceOauth2Connection', IN_THE_VAULT)
  async get(@Body() body: unknown) {
    return describe(await this.find(parseInput(connectionIdInput, body).connectionId));
  }

  /** Revokes one connection by its id, whoever its user: at the provider where it can, and in the vault. */
  @Post('RevokeResourceOauth2ConnectionById')
  @HttpCode(200)
  @Operation('RevokeResourceOauth2ConnectionById', IN_THE_VAULT)
  async revokeById(@Body() body: unknown) {
    const record = await this.find(parseInput(connectionIdInput, body).connectionId);
    await this.revokeOne(record.id, record);
    return describe(await this.find(record.id));
  }

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

  private async find(id: string): Promise<ConnectionRecord> {
    const record = await this.records.find(id);
    if (!record) throw new ResourceNotFoundException(`Connection ${id} does not exist`);
    return record;
  }

  private revokeOne(id: string, owner: { workloadName: string; providerName: string }) {
    return this.revocation.revoke(id, owner);
  }
}
