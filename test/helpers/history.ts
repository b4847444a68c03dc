import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';

const LOCAL_ACTIVITY_MARKER_DATA = /\.markerRecordedEventAttributes\.details\.data\./;

/** A workflow history with every payload decrypted, as text, and what the walk saw. */
export interface DecodedHistory {
  text: string;
  events: number;
  /** Payloads found encrypted (and decrypted). */
  encrypted: number;
  /** Paths of payloads outside search attributes that were not encrypted. */
  plain: string[];
}

/**
 * Fetches a history and decrypts every payload with the codec, so secret checks see what an
 * operator with the codec key would see. Search attributes are never encoded, and are checked as stored.
 */
export async function decodedHistory(
  client: Client,
  codec: PayloadCodec,
  workflowId: string,
  runId?: string,
): Promise<DecodedHistory> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  let encrypted = 0;
  const plain: string[] = [];
  const decodeAll = async (node: unknown, path: string): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map((item, i) => decodeAll(item, `${path}.${i}`)));
    if (!node || typeof node !== 'object' || node instanceof Uint8Array) return node;
    const record = node as Record<string, unknown>;
    if ('metadata' in record && 'data' in record && record.metadata && typeof record.metadata === 'object') {
      const encoding = Buffer.from((record.metadata as Record<string, Uint8Array>).encoding ?? []).toString();
      if (encoding === 'binary/encrypted') {
        encrypted += 1;
        const [decoded] = await codec.decode([record]);
        return { ...decoded, data: Buffer.from(decoded!.data ?? []).toString('utf8') };
      }
      // Search attributes are never encoded; a local activity's marker `data` is the SDK's own
      // bookkeeping (sequence, attempt, activity type, time), written without the codec. Its result
      // payload is encoded like every other.
      if (!path.includes('searchAttributes') && !LOCAL_ACTIVITY_MARKER_DATA.test(path)) plain.push(path);
    }
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) out[key] = await decodeAll(value, `${path}.${key}`);
    return out;
  };
  const text = JSON.stringify(await decodeAll(history, 'history'), (_key, value: unknown) =>
    value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value,
  );
  return { text, events: history.events?.length ?? 0, encrypted, plain };
}
