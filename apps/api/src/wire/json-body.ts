import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ValidationException } from '../../../../libs/wire/errors';
import { unstorablePath } from '../../../../libs/wire/text';

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
    ['application/json', 'application/x-amz-json-1.1', 'application/x-amz-json-1.0'],
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
      request.rawBody = body;
      if (body.length === 0) return done(null, {});
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return done(new ValidationException('Request body is not valid JSON', [], 'CannotParse'));
      }
      // Checked once for every operation: no NUL or lone surrogate reaches a handler, a query or the vault.
      const bad = unstorablePath(parsed);
      if (bad !== undefined)
        return done(
          ValidationException.field(bad, 'must be well-formed Unicode text without NUL characters'),
        );
      done(null, parsed);
    },
  );
}
