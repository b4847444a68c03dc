import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationException } from '../../../../libs/wire/errors';
import { storable, unstorablePath } from '../../../../libs/wire/text';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body bytes as received: SigV4 signs these, not the parsed object. */
    rawBody?: Buffer;
  }
}

/** AgentCore request bodies are small; 1 MiB leaves room for the largest field (a 64 KiB API key). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Replaces Fastify's JSON parser with one that keeps the raw bytes for signature checks and
 * answers malformed JSON with a `ValidationException` (reason `CannotParse`), and text that cannot
 * be stored (NUL, lone surrogates) with a `ValidationException` naming the field.
 */
export function registerJsonBody(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    [...JSON_CONTENT_TYPES],
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
      request.rawBody = body;
      let parsed: unknown;
      try {
        parsed = parseJsonBody(body);
      } catch (err) {
        return done(err as Error);
      }
      done(null, parsed);
    },
  );
}

/** The content types whose bodies are JSON (AgentCore's restJson1 and the older awsJson protocols). */
export const JSON_CONTENT_TYPES = [
  'application/json',
  'application/x-amz-json-1.1',
  'application/x-amz-json-1.0',
] as const;

/**
 * A JSON request body, parsed; an empty body is `{}`. Malformed JSON is a `ValidationException`
 * (reason `CannotParse`), and text that cannot be stored (NUL, lone surrogates) one naming the field.
 */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ValidationException('Request body is not valid JSON', [], 'CannotParse');
  }
  // Checked once for every operation: no NUL or lone surrogate reaches a handler, a query or the vault.
  // A text with none of them and no `\u` escape (what SDKs send) has none in any of its strings
  // either: only its escapes could make one, so its strings need not be walked.
  if (storable(text) && !text.includes('\\u') && !text.includes('\uFEFF')) return parsed;
  const bad = unstorablePath(parsed);
  if (bad !== undefined)
    throw ValidationException.field(bad, 'must be well-formed Unicode text without NUL characters');
  return parsed;
}
