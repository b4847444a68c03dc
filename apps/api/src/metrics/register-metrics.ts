import type { FastifyInstance } from 'fastify';
import { scrapeAllowed, type Metrics } from '../../../../libs/metrics/metrics';
import { outcomeOf, type CallObserver, type OperationCall } from '../wire/operation-call';

/** The credential provider a call names, for the provider dimension. */
function providerOf(call: OperationCall): string | undefined {
  const body = call.body;
  if (!body || typeof body !== 'object') return undefined;
  const name = (body as Record<string, unknown>).resourceCredentialProviderName;
  return typeof name === 'string' ? name : undefined;
}

/**
 * Counts and times every operation call once answered. Workload and provider names label only the
 * calls of an authenticated principal: what an unknown caller sends does not become a label.
 */
export function countCalls(metrics: Metrics): CallObserver {
  return (call, answer) => {
    if (!call.operation) return;
    const known = call.principal !== undefined;
    const provider = known ? providerOf(call) : undefined;
    metrics.request({
      operation: call.operation,
      outcome: outcomeOf(answer),
      seconds: answer.seconds,
      ...(known && call.workloadName ? { workload: call.workloadName } : {}),
      ...(provider ? { provider } : {}),
    });
  };
}

/**
 * Serves `GET /metrics` in the Prometheus text format, behind `Authorization: Bearer
 * <MANDATE_METRICS_TOKEN>` when one is configured.
 */
export function registerMetricsRoute(
  fastify: FastifyInstance,
  metrics: Metrics,
  token: string | undefined,
): void {
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
