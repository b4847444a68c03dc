import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import { NestPinoLogger } from '../../../libs/logging/logger';
import type { Runtime } from '../../../libs/runtime/runtime';
import { ApiModule } from './api.module';
import { registerAuditHook } from './audit/audit-hook';
import { BODY_LIMIT_BYTES, registerJsonBody } from './wire/json-body';

/**
 * Builds the API on a runtime; the caller decides where it listens.
 *
 * @example
 * const app = await createApi(runtime);
 * await app.listen({ port: 8088, host: '127.0.0.1' });
 */
export async function createApi(runtime: Runtime): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // ARNs travel as path parameters (`/tags/{resourceArn}`) and run to 1011 characters.
    routerOptions: { maxParamLength: 2048 },
    genReqId: () => randomUUID(),
  });
  const fastify = adapter.getInstance<FastifyInstance>();
  registerJsonBody(fastify);
  // AWS answers with its clock; the AWS SDK reads it to correct its own after a skew error.
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('date', new Date().toUTCString()).header('x-amzn-requestid', request.id);
  });
  registerAuditHook(fastify, runtime.audit, runtime.userKeys);

  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.register(runtime), adapter, {
    logger: new NestPinoLogger(runtime.log.child({ component: 'nest' })),
    abortOnError: false,
    // Our own JSON parser (registerJsonBody) keeps the raw bytes that SigV4 signs.
    bodyParser: false,
  });
  return app;
}
