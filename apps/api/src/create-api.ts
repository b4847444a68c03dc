import { randomUUID } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { NestPinoLogger } from '../../../libs/logging/logger';
import type { Runtime } from '../../../libs/runtime/runtime';
import { ApiModule } from './api.module';
import { ApiKeyProvidersService } from './api-key-providers/api-key-providers.service';
import { auditCalls } from './audit/audit-hook';
import { countCalls, registerMetricsRoute } from './metrics/register-metrics';
import { OperationAccess } from './auth/operation-access';
import { DataPlaneServer } from './data-plane/data-plane-server';
import { registerDataPlane } from './data-plane/register-data-plane';
import { ResourceTokensService } from './resource-tokens/resource-tokens.service';
import { UserConsent } from './resource-tokens/user-consent';
import { WorkloadAccessTokensService } from './workload-access-tokens/workload-access-tokens.service';
import { sendWireError } from './wire/aws-exception.filter';
import { BODY_LIMIT_BYTES, registerJsonBody } from './wire/json-body';
import { registerFormBody } from './wire/form-body';
import { toWireError } from './wire/to-wire-error';
import { observeFastifyCalls } from './wire/fastify-calls';
import { httpDate } from './wire/http-date';

/**
 * Builds the API on a runtime; the caller decides where it listens.
 *
 * @example
 * const app = await createApi(runtime);
 * await app.listen({ port: 8088, host: '127.0.0.1' });
 */
export async function createApi(runtime: Runtime): Promise<NestFastifyApplication> {
  // The lean data plane answers its calls before Fastify sees them; it exists once Nest has built
  // the services it calls, before the server listens.
  const lean: { dataPlane?: DataPlaneServer } = {};
  const adapter = new FastifyAdapter({
    serverFactory: (fastifyHandler: RequestListener, options: FastifyServerOptions) => {
      const server = createServer((request, response) => {
        if (!lean.dataPlane?.take(request, response)) fastifyHandler(request, response);
      });
      // What Fastify sets on a server it creates itself.
      server.keepAliveTimeout = options.keepAliveTimeout!;
      server.requestTimeout = options.requestTimeout!;
      server.setTimeout(options.connectionTimeout);
      return server;
    },
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
    // ARNs travel as path parameters (`/tags/{resourceArn}`) and run to 1011 characters.
    routerOptions: { maxParamLength: 2048 },
    genReqId: () => randomUUID(),
    // Errors Fastify meets before routing (a bad percent-encoding, an over-long path parameter) and
    // requests Node's parser refuses get the AWS shape too.
    frameworkErrors: (err: Error, _request: FastifyRequest, reply: FastifyReply) =>
      sendWireError(reply, toWireError(err)),
    clientErrorHandler: (_err, socket) => {
      if (!socket.writable) return;
      const body = JSON.stringify({
        message: 'The request could not be parsed',
        reason: 'CannotParse',
        fieldList: [],
      });
      socket.end(
        'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: application/json\r\n' +
          `x-amzn-errortype: ValidationException\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    },
  });
  const fastify = adapter.getInstance<FastifyInstance>();
  registerJsonBody(fastify);
  registerFormBody(fastify);
  // AWS answers with its clock; the AWS SDK reads it to correct its own after a skew error. A
  // callback hook, not an async one: it runs on every answer, and a promise per answer shows in the
  // hot path's profile.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.header('date', httpDate()).header('x-amzn-requestid', request.id);
    done(null, payload);
  });
  const observers = [auditCalls(runtime.audit, runtime.userKeys), countCalls(runtime.metrics)];
  observeFastifyCalls(fastify, observers);
  registerMetricsRoute(fastify, runtime.metrics, runtime.config.metrics.token);

  const app = await NestFactory.create<NestFastifyApplication>(ApiModule.register(runtime), adapter, {
    logger: new NestPinoLogger(runtime.log.child({ component: 'nest' })),
    abortOnError: false,
    // Our own JSON parser (registerJsonBody) keeps the raw bytes that SigV4 signs.
    bodyParser: false,
  });
  const access = app.get(OperationAccess);
  const services = {
    resourceTokens: app.get(ResourceTokensService),
    consent: app.get(UserConsent),
    apiKeys: app.get(ApiKeyProvidersService),
    workloadAccessTokens: app.get(WorkloadAccessTokensService),
  };
  const log = runtime.log.child({ component: 'api' });
  registerDataPlane(fastify, access, services, log);
  const dataPlane = new DataPlaneServer(access, services, observers, log);
  fastify.addHook('preClose', (done) => {
    dataPlane.close();
    done();
  });
  lean.dataPlane = dataPlane;
  return app;
}
