import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { VaultDb } from '../db/database';
import type { Envelope } from '../vault/envelope';
import { loadServerSecret } from '../vault/server-secrets';

const ENCODING = 'binary/encrypted';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SECRET_NAME = 'temporal-payload-codec';

/**
 * AES-256-GCM over every Temporal payload: workflow arguments, results, signals, updates and queries
 * are ciphertext in the server and its history. (Mandate keeps secrets out of payloads anyway; this
 * keeps workload and user references private too.) Payloads it did not encrypt pass through.
 *
 * @example
 * const codec = new AesGcmPayloadCodec(key);
 * new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  readonly keyId: string;

  constructor(private readonly key: Buffer) {
    this.keyId = createHash('sha256').update(key).digest('hex').slice(0, 16);
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((payload) => {
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv('aes-256-gcm', this.key, iv);
        const plain = temporal.api.common.v1.Payload.encode(payload).finish();
        const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
        return {
          metadata: { encoding: Buffer.from(ENCODING), 'encryption-key-id': Buffer.from(this.keyId) },
          data,
        };
      }),
    );
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return Promise.resolve(
      payloads.map((payload) => {
        if (Buffer.from(payload.metadata?.encoding ?? []).toString() !== ENCODING) return payload;
        const data = Buffer.from(payload.data ?? []);
        const decipher = createDecipheriv('aes-256-gcm', this.key, data.subarray(0, IV_BYTES));
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
          decipher.final(),
        ]);
        return temporal.api.common.v1.Payload.decode(plain);
      }),
    );
  }
}

/** The codec key all of Mandate's processes share. */
export async function loadPayloadCodec(db: VaultDb, envelope: Envelope): Promise<AesGcmPayloadCodec> {
  return new AesGcmPayloadCodec(await loadServerSecret(db, envelope, SECRET_NAME));
}
