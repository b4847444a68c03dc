import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { listAuditEvents, verifyAuditChain } from '../../../../libs/audit/audit-log';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { parseInput } from '../../../../libs/wire/validation';
import { RUNTIME } from '../tokens';
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
  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {}

  @Post('ListAuditEvents')
  @HttpCode(200)
  @Operation('ListAuditEvents')
  async list(@Body() body: unknown) {
    const input = parseInput(listInput, body ?? {});
    // Events this process recorded a moment ago are committed first, so a caller sees its own calls.
    await this.runtime.audit.flush();
    const limit = input.maxResults ?? 100;
    const events = await listAuditEvents(this.runtime.db, {
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
    await this.runtime.audit.flush();
    const result = await verifyAuditChain(this.runtime.db);
    return {
      events: result.events,
      intact: result.intact,
      ...(result.brokenAtSeq !== undefined ? { brokenAtSequence: result.brokenAtSeq } : {}),
    };
  }
}
