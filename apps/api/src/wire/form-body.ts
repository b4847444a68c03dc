import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BODY_LIMIT_BYTES } from './json-body';

/**
 * Form-encoded bodies, as the AWS Query protocol (STS) sends them: parameters by name, the first
 * value of each, in an object without a prototype (a parameter called `__proto__` is a parameter).
 */
export function registerFormBody(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void) => {
      request.rawBody = body;
      const params = Object.create(null) as Record<string, string>;
      for (const [key, value] of new URLSearchParams(body.toString('utf8')))
        if (!Object.hasOwn(params, key)) params[key] = value;
      done(null, params);
    },
  );
}
