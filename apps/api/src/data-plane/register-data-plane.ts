import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../../../libs/logging/logger';
import type { OperationAccess } from '../auth/operation-access';
import { answerError } from '../wire/aws-exception.filter';
import { DATA_PLANE_OPERATIONS, type DataPlaneServices } from './data-plane-operations';

/**
 * Serves the data-plane operations as plain Fastify routes, for the requests the lean node:http plane
 * (data-plane-server.ts) leaves to Fastify (other content types, chunked bodies, `inject`), outside Nest's per-request pipeline
 * (router, guards, interceptors, pipes, filters): leaving it doubled the vault hit's requests/s in
 * `npm run bench:profile`. They keep what every operation has: the one access check (OperationAccess), the one
 * error funnel (answerError, body-parser errors included), and the audit and `date` hooks of the
 * Fastify instance, which see these routes as they see Nest's.
 */
export function registerDataPlane(
  fastify: FastifyInstance,
  access: OperationAccess,
  services: DataPlaneServices,
  log: Logger,
): void {
  // A scope of its own, so its error handler sees these routes' body-parser errors too.
  void fastify.register((scope, _options, done) => {
    scope.setErrorHandler((err, _request, reply) => answerError(log, err, reply));
    for (const served of DATA_PLANE_OPERATIONS) {
      scope.post(served.url, async (request, reply) => {
        await access.check(served.operation, request);
        return reply.code(200).send(await served.handle(request, services));
      });
    }
    done();
  });
}
