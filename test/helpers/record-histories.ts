import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * Where `MANDATE_RECORD_HISTORIES` points, every test stack leaves the histories of its workflows
 * before it stops, one file per distinct sequence of event types, with payloads decrypted so they
 * replay without the stack's key. `npm run histories:record` runs the suite that way; the replay test
 * then checks that today's workflow code still replays each of them.
 */
export async function recordHistories(client: Client, codec: PayloadCodec, dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  let written = 0;
  for await (const execution of client.workflow.list()) {
    const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
    const events = history.events ?? [];
    const shape = events.map((event) => event.eventType).join(',');
    const name = `${execution.type}-${createHash('sha256').update(shape).digest('hex').slice(0, 12)}.json`;
    if (existsSync(join(dir, name))) continue;
    await decryptPayloads(history, codec);
    writeFileSync(join(dir, name), `${historyToJSON(history)}\n`);
    written += 1;
  }
  return written;
}

async function decryptPayloads(node: unknown, codec: PayloadCodec): Promise<void> {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return;
  if (Array.isArray(node)) {
    for (const item of node) await decryptPayloads(item, codec);
    return;
  }
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (isEncrypted(value)) [record[key]] = await codec.decode([value]);
    else if (Array.isArray(value) && value.some(isEncrypted))
      record[key] = await codec.decode(value as Payload[]);
    else await decryptPayloads(value, codec);
  }
}

function isEncrypted(value: unknown): value is { metadata: Record<string, Uint8Array>; data: Uint8Array } {
  if (!value || typeof value !== 'object' || !('metadata' in value) || !('data' in value)) return false;
  const encoding = (value.metadata as Record<string, Uint8Array> | null)?.encoding;
  return !!encoding && Buffer.from(encoding).toString() === 'binary/encrypted';
}
