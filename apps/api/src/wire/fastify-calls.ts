import type { FastifyInstance } from 'fastify';
import type { CallAnswer, CallObserver } from './operation-call';

/** Tells the observers of every call Fastify answered (the lean data plane tells them itself). */
export function observeFastifyCalls(fastify: FastifyInstance, observers: readonly CallObserver[]): void {
  // A callback hook: an async one costs a promise per answer.
  fastify.addHook('onResponse', (request, reply, done) => {
    done();
    const errorType = reply.getHeader('x-amzn-errortype');
    const answer: CallAnswer = { status: reply.statusCode, seconds: reply.elapsedTime / 1000 };
    if (typeof errorType === 'string') answer.errorType = errorType;
    for (const observe of observers) observe(request, answer);
  });
}
