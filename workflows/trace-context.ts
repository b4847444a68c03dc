import { context, type Context } from '@opentelemetry/api';

/**
 * The trace of the request being handled (an update's, when traces are on; an empty context
 * otherwise). Work the main loop does for that request runs `within` it, so the request's trace
 * reaches the activity and the IdP instead of the trace that started the workflow hours ago.
 * Context is not part of the workflow's commands: replay is unaffected.
 */
export const requestContext = (): Context => context.active();

export const within = <T>(requested: Context | undefined, work: () => Promise<T>): Promise<T> =>
  requested ? context.with(requested, work) : work();
