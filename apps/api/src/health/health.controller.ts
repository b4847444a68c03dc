import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { pingDatabase } from '../../../../libs/db/database';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { pingSecretsManager } from '../../../../libs/secrets/secrets-manager';
import { pingTemporal } from '../../../../libs/temporal/connection';
import { RUNTIME } from '../tokens';
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
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Get('health')
  @Public()
  async health(@Res() reply: FastifyReply): Promise<void> {
    const [database, temporal, secretsManager] = await Promise.all([
      withTimeout(pingDatabase(this.runtime.db)),
      withTimeout(pingTemporal(this.runtime.temporal, TIMEOUT_MS)),
      withTimeout(pingSecretsManager(this.runtime.secretsManager, TIMEOUT_MS)),
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
