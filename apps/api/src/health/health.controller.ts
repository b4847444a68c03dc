import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { pingDatabase } from '../../../../libs/db/database';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client } from '@temporalio/client';
import type { VaultDb } from '../../../../libs/db/database';
import { pingSecretsManager } from '../../../../libs/secrets/secrets-manager';
import { pingTemporal } from '../../../../libs/temporal/connection';
import { VAULT_DB } from '../tokens';
import { Public } from '../wire/operation.decorator';

const TIMEOUT_MS = 2_000;

function withTimeout(check: Promise<unknown>): Promise<'ok' | 'unreachable'> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('timeout')), TIMEOUT_MS).unref(),
  );
  return Promise.race([check, timeout]).then(
    () => 'ok' as const,
    () => 'unreachable' as const,
  );
}

/** Liveness of the parts Mandate depends on: 200 when all answer, else 503 naming the failing ones. */
@Controller()
export class HealthController {
  constructor(
    @Inject(VAULT_DB) private readonly db: VaultDb,
    @Inject(Client) private readonly temporal: Client,
    @Inject(SecretsManagerClient) private readonly secretsManager: SecretsManagerClient,
  ) {}

  @Get('health')
  @Public()
  async health(@Res() reply: FastifyReply): Promise<void> {
    const [database, temporal, secretsManager] = await Promise.all([
      withTimeout(pingDatabase(this.db)),
      withTimeout(pingTemporal(this.temporal, TIMEOUT_MS)),
      withTimeout(pingSecretsManager(this.secretsManager, TIMEOUT_MS)),
    ]);
    const checks = { database, temporal, secretsManager };
    const failing = Object.entries(checks)
      .filter(([, state]) => state !== 'ok')
      .map(([name]) => name);
    await reply
      .status(failing.length === 0 ? 200 : 503)
      .send(failing.length === 0 ? { status: 'ok', checks } : { status: 'unavailable', failing, checks });
  }
}
