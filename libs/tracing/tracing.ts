import { createRequire } from 'node:module';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import type { Config } from '../config/config';
import { RedactingSpanProcessor } from './redacting-span-processor';

/** Requests that are not work: scrapes and health checks would drown the traces. */
const UNTRACED_PATHS = ['/metrics', '/health'];

export interface Tracing {
  /** Temporal's interceptors (client, workflow, activity) and the sink for workflow spans. */
  plugin: OpenTelemetryPlugin;
  flush(): Promise<void>;
}

let started: Tracing | undefined;

/**
 * Starts OpenTelemetry once per process (the API and the worker share it when they share a
 * process): incoming and outgoing HTTP (Secrets Manager, KMS), fetch through undici (IdPs,
 * discovery, JWKS) and Temporal, where W3C trace context travels in workflow and activity headers.
 * Off unless `config.enabled`; `spanProcessors` replaces the exporters OTEL_* names (tests). The SDK
 * is loaded only when traces are on, so a process without them pays nothing for it.
 */
export async function startTracing(
  config: Config['tracing'],
  options: { spanProcessors?: SpanProcessor[] } = {},
): Promise<Tracing | undefined> {
  if (started) return started;
  if (!config.enabled && !options.spanProcessors) return undefined;
  const [{ HttpInstrumentation }, { UndiciInstrumentation }, { Resource }, { NodeSDK }, env, temporal] =
    await Promise.all([
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-undici'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-node'),
      // The SDK's own reading of OTEL_TRACES_EXPORTER and the OTLP variables (the version is pinned).
      import('@opentelemetry/sdk-node/build/src/utils.js'),
      import('@temporalio/interceptors-opentelemetry'),
    ]);
  const processor = new RedactingSpanProcessor(options.spanProcessors ?? env.getSpanProcessorsFromEnv());
  const resource = new Resource({ 'service.name': config.serviceName });
  new NodeSDK({
    resource,
    spanProcessors: [processor],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) =>
          UNTRACED_PATHS.some((path) => request.url === path || request.url?.startsWith(`${path}?`)),
      }),
      new UndiciInstrumentation(),
    ],
  }).start();
  // The HTTP instrumentation patches core modules as they are required; here they were loaded long
  // before, so they are required once more for it to patch (servers and clients made since share them).
  const load = createRequire(__filename);
  load('http');
  load('https');
  started = {
    plugin: new temporal.OpenTelemetryPlugin({ resource, spanProcessor: processor }),
    flush: () => processor.forceFlush(),
  };
  return started;
}
