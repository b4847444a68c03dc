import type { FastifyInstance, FastifyRequest } from 'fastify';
import { scrapeAllowed, type Metrics } from '../../../../libs/metrics/metrics';
import { operationOutcome } from '../audit/audit-hook';

/** The credential provider a call names, for the provider dimension. */
function providerOf(request: FastifyRequest): string | undefined {
  const body = request.body;
  if (!body || typeof body !== 'object') return undefined;
  const name = (body as Record<string, unknown>).resourceCredentialProviderName;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Counts and times every operation call once answered, and serves `GET /metrics` in the Prometheus
 * text format, behind `Authorization: Bearer <MANDATE_METRICS_TOKEN>` when one is configured.
 * Workload and provider names label only the calls of an authenticated principal: what an unknown
 * caller sends does not become a label.
 */
export function registerMetrics(fastify: FastifyInstance, metrics: Metrics, token: string | undefined): void {
  // A callback hook: an async one costs a promise per answer on the hot path.
  fastify.addHook('onResponse', (request, reply, done) => {
    done();
    if (!request.operation) return;
    const known = request.principal !== undefined;
    const provider = known ? providerOf(request) : undefined;
    metrics.request({
      operation: request.operation,
      outcome: operationOutcome(reply),
      seconds: reply.elapsedTime / 1000,
      ...(known && request.workloadName ? { workload: request.workloadName } : {}),
      ...(provider ? { provider } : {}),
    });
  });

  fastify.get('/metrics', async (request, reply) => {
    if (!scrapeAllowed(token, request.headers.authorization)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="metrics"')
        .type('text/plain; charset=utf-8')
        .send('A bearer token is required to read the metrics.\n');
    }
    return reply.type(metrics.contentType).send(await metrics.scrape());
  });
}
