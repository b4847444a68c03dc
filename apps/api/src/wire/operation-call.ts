import type { IncomingHttpHeaders } from 'node:http';
import type { Principal } from '../../../../libs/auth/sigv4.verifier';
import type { WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';

/**
 * One operation call as the access check, the handlers and the observers see it, whichever server
 * received it: a Fastify request is one (its fields are declared on FastifyRequest), and so is the
 * lean data plane's (data-plane/data-plane-server.ts).
 */
export interface OperationCall {
  readonly id: string;
  readonly method: string;
  /** The path and query as sent. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly params: unknown;
  /** The body bytes as received: SigV4 signs these, not the parsed object. */
  rawBody?: Buffer;
  principal?: Principal;
  /** The verified workload access token of operations that take one. */
  wat?: WorkloadAccessToken;
  /** The operation the request asked for, known before authentication (for the audit log). */
  operation?: string;
  /** The workload identity the request acts on, where known (for the audit log). */
  workloadName?: string;
}

/** How a call was answered. */
export interface CallAnswer {
  status: number;
  /** The AWS error name (`x-amzn-errortype`) of a refused or failed call. */
  errorType?: string;
  /** From the request's arrival to its answer. */
  seconds: number;
}

/** Told of every operation call once it is answered (the audit log, the metrics). */
export type CallObserver = (call: OperationCall, answer: CallAnswer) => void;

/** How an answered operation ended: `Success`, the AWS error name, or the HTTP status. */
export function outcomeOf(answer: CallAnswer): string {
  if (answer.status < 400) return 'Success';
  return answer.errorType ?? `HTTP ${answer.status}`;
}
