import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../../../libs/logging/logger';
import type { OperationAccess } from '../auth/operation-access';
import { funnelError } from '../wire/aws-exception.filter';
import { httpDate } from '../wire/http-date';
import { BODY_LIMIT_BYTES, JSON_CONTENT_TYPES, parseJsonBody } from '../wire/json-body';
import type { CallObserver, OperationCall } from '../wire/operation-call';
import {
  DATA_PLANE_OPERATIONS,
  type DataPlaneOperation,
  type DataPlaneServices,
} from './data-plane-operations';

const JSON_TYPES: ReadonlySet<string> = new Set(JSON_CONTENT_TYPES);

/** A data-plane call as this server receives it. */
interface DataPlaneCall extends OperationCall {
  body: unknown;
}

/**
 * Serves the data-plane operations straight from node:http, ahead of Fastify: the vault hit is the
 * product's hot path, and Fastify's per-request work (routing, content-type parsing, four hook
 * chains, reply serialisation) was a fifth of its CPU in `npm run bench:profile`. It takes only the
 * calls agents send: a POST to a data-plane path with a declared length within the body limit and a
 * JSON content type. Anything else (chunked bodies, other content types, oversized bodies, a server
 * that is closing) goes on to Fastify, which serves the same operations (register-data-plane.ts) and
 * answers the odd cases as it always has. Both keep what every operation has: the one access check
 * (OperationAccess), the one error funnel (funnelError), the same observers (audit, metrics) and the
 * same answer headers (`date`, `x-amzn-requestid`).
 */
export class DataPlaneServer {
  private readonly byPath = new Map<string, DataPlaneOperation>(
    DATA_PLANE_OPERATIONS.map((served) => [served.url, served]),
  );
  private closing = false;

  constructor(
    private readonly access: OperationAccess,
    private readonly services: DataPlaneServices,
    private readonly observers: readonly CallObserver[],
    private readonly log: Logger,
  ) {}

  /** Serves the request when it is a data-plane call in the usual shape; false leaves it to Fastify. */
  take(request: IncomingMessage, response: ServerResponse): boolean {
    if (this.closing || request.method !== 'POST') return false;
    const url = request.url ?? '';
    const mark = url.indexOf('?');
    const served = this.byPath.get(mark < 0 ? url : url.slice(0, mark));
    if (!served) return false;
    const headers = request.headers;
    const length = Number(headers['content-length']);
    if (
      !(length <= BODY_LIMIT_BYTES) ||
      headers['transfer-encoding'] !== undefined ||
      !JSON_TYPES.has(headers['content-type'] ?? '')
    )
      return false;
    const arrived = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      this.serve(
        served,
        { id: randomUUID(), method: 'POST', url, headers, rawBody, body: undefined, params: {} },
        response,
        arrived,
      ).catch((err: unknown) => {
        // Only writing the answer itself can fail here; the caller sees the connection close.
        this.log.error({ err }, 'a data-plane answer could not be written');
        response.destroy();
      });
    });
    // A caller that goes away mid-body gets no answer; the socket is already closed.
    request.on('error', () => response.destroy());
    return true;
  }

  /** From now on every request goes to Fastify, which answers 503 while it closes. */
  close(): void {
    this.closing = true;
  }

  private async serve(
    served: DataPlaneOperation,
    call: DataPlaneCall,
    response: ServerResponse,
    arrived: number,
  ): Promise<void> {
    let status = 200;
    let errorType: string | undefined;
    let payload: string;
    try {
      call.body = parseJsonBody(call.rawBody!);
      await this.access.check(served.operation, call);
      payload = JSON.stringify(await served.handle(call, this.services));
      response.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(payload),
        date: httpDate(),
        'x-amzn-requestid': call.id,
      });
    } catch (err) {
      const wire = funnelError(this.log, err);
      status = wire.status;
      errorType = wire.type;
      payload = JSON.stringify(wire.body());
      response.writeHead(status, {
        'x-amzn-errortype': errorType,
        // What Fastify answers for the same error (it adds the charset to a JSON string it sends).
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(payload),
        date: httpDate(),
        'x-amzn-requestid': call.id,
      });
    }
    // One string: Node writes the head and the body in one write.
    response.end(payload);
    const answer = {
      status,
      seconds: (performance.now() - arrived) / 1000,
      ...(errorType ? { errorType } : {}),
    };
    for (const observe of this.observers) {
      // Nothing escapes `serve`, which runs detached from the request's events: a failing observer is logged.
      try {
        observe(call, answer);
      } catch (err) {
        this.log.error({ err, operation: call.operation }, 'a call observer failed');
      }
    }
  }
}
