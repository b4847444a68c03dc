import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { AuditLog, listAuditEvents, verifyAuditChain } from '../../../../libs/audit/audit-log';
import type { VaultDb } from '../../../../libs/db/database';
import { parseInput } from '../../../../libs/wire/validation';
import { VAULT_DB } from '../tokens';
import { Operation } from '../wire/operation.decorator';

const listInput = z.object({
  afterSequence: z.number().int().min(0).optional(),
  maxResults: z.number().int().min(1).max(1000).optional(),
});

/**
 * Mandate extensions for operators: read the audit log in order, and check its hash chain.
 * Each is an operation of its own in principal policies.
 */
@Controller('identities')
export class AuditController {
  constructor(
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(VAULT_DB) private readonly db: VaultDb,
  ) {}

  @Post('ListAuditEvents')
  @HttpCode(200)
  @Operation('ListAuditEvents')
  async list(@Body() body: unknown) {
    const input = parseInput(listInput, body ?? {});
    // Events this process recorded a moment ago are committed first, so a caller sees its own calls.
    await this.audit.flush();
    const limit = input.maxResults ?? 100;
    const events = await listAuditEvents(this.db, {
      ...(input.afterSequence !== undefined ? { afterSeq: input.afterSequence } : {}),
      limit,
    });
    const last = events.at(-1);
    return { events, ...(events.length === limit && last ? { nextSequence: last.seq } : {}) };
  }

  @Post('VerifyAuditLog')
  @HttpCode(200)
  @Operation('VerifyAuditLog')
  async verify() {
    await this.audit.flush();
    const result = await verifyAuditChain(this.db);
    return {
      events: result.events,
      intact: result.intact,
      ...(result.brokenAtSeq !== undefined ? { brokenAtSequence: result.brokenAtSeq } : {}),
    };
  }
}
