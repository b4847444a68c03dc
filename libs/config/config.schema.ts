import { resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const url = (protocols: readonly string[]) =>
  z.url().refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
    message: `must start with ${protocols.map((p) => `${p}:`).join(' or ')}`,
  });

/** A comma-separated list of origins (scheme, host and port; no path). */
const origins = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      url(['http', 'https']).refine(
        (value) => new URL(value).origin === value,
        'must be origins, e.g. https://idp.example.com:8443',
      ),
    ),
  );

/**
 * Every environment variable Mandate reads, with its default. This is the only place that knows
 * the variable names; the rest of the code receives the typed {@link Config}.
 */
export const environmentSchema = z.object({
  MANDATE_DATA_DIR: z.string().min(1).default('.mandate'),
  MANDATE_HOST: z.string().min(1).default('127.0.0.1'),
  MANDATE_PORT: port.default(8088),
  MANDATE_PUBLIC_URL: url(['http', 'https']).optional(),
  MANDATE_PARTITION: z.enum(['aws', 'aws-us-gov', 'aws-cn']).default('aws'),
  MANDATE_REGION: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must look like an AWS region, e.g. us-east-1')
    .default('us-east-1'),
  MANDATE_ACCOUNT_ID: z
    .string()
    .regex(/^\d{12}$/, 'must be 12 digits')
    .default('000000000000'),
  MANDATE_SIGV4_MAX_SKEW_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  MANDATE_ADMIN_ACCESS_KEY_ID: z
    .string()
    .regex(/^[A-Z0-9]{16,128}$/, 'must be 16-128 upper-case letters and digits')
    .optional(),
  MANDATE_ADMIN_SECRET_ACCESS_KEY: z.string().min(16).max(256).optional(),
  MANDATE_ALLOW_PRIVATE_NETWORK_URLS: bool.default(false),
  MANDATE_JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  MANDATE_WAT_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  MANDATE_WAT_KEY_ROTATION_HOURS: z.coerce.number().int().min(1).max(720).default(24),
  MANDATE_SECRET_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  MANDATE_WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).default(1000),
  MANDATE_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(300).default(5),
  MANDATE_SECRET_WATCH_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  MANDATE_VAULT_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  MANDATE_SESSION_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(600),
  MANDATE_APPROVAL_TTL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(600),
  MANDATE_PORTAL_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(60).max(86_400).default(1800),
  MANDATE_PORTAL_SESSION_MAX_SECONDS: z.coerce.number().int().min(300).max(604_800).default(43_200),
  MANDATE_CODEC_TOKEN: z.string().min(24, 'must be at least 24 characters').max(256).optional(),
  MANDATE_METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').max(256).optional(),
  MANDATE_WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  MANDATE_WORKER_METRICS_PORT: port.default(9464),
  MANDATE_REFRESH_SKEW_SECONDS: z.coerce.number().int().min(1).max(3600).default(120),
  MANDATE_REFRESH_JITTER_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  MANDATE_LIFECYCLE_CYCLES_PER_RUN: z.coerce.number().int().min(1).max(1000).default(50),
  MANDATE_ASSUMED_TOKEN_LIFETIME_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: url(['postgres', 'postgresql']).optional(),

  TEMPORAL_ADDRESS: z.string().min(1).optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('mandate'),
  TEMPORAL_TLS: bool.default(false),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_DEV_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  MANDATE_TEMPORAL_UI_ORIGINS: origins.default([]),
  MANDATE_ALLOW_PRIVATE_URL_ORIGINS: origins.default([]),
  MANDATE_DEMO_IDP_PORT: port.default(9400),
  MANDATE_DEMO_APP_PORT: port.default(9401),

  AWS_REGION: z.string().min(1).optional(),
  MANDATE_AWS_ENDPOINT_URL: url(['http', 'https']).optional(),
  MANDATE_AWS_ENDPOINT_URL_KMS: url(['http', 'https']).optional(),
  MANDATE_LOCAL_AWS_PORT: port.default(4566),
  MANDATE_LOCAL_KMS_PORT: port.default(4599),

  // OpenTelemetry's own variables: traces are on when an exporter or an OTLP endpoint is named.
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_TRACES_EXPORTER: z
    .string()
    .regex(
      /^(otlp|console|zipkin|none)(,(otlp|console|zipkin|none))*$/,
      'must list otlp, console, zipkin or none',
    )
    .optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https']).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(['http', 'https']).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('mandate'),
});

/** Traces are off unless OpenTelemetry's variables name somewhere to send them. */
function tracingEnabled(env: z.output<typeof environmentSchema>): boolean {
  if (env.OTEL_SDK_DISABLED) return false;
  if (env.OTEL_TRACES_EXPORTER !== undefined) return env.OTEL_TRACES_EXPORTER !== 'none';
  return (
    env.OTEL_EXPORTER_OTLP_ENDPOINT !== undefined || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== undefined
  );
}

/** Variables that only make sense together; checked even when other variables are bad. */
const PAIRS: [string, string][] = [
  ['MANDATE_ADMIN_ACCESS_KEY_ID', 'MANDATE_ADMIN_SECRET_ACCESS_KEY'],
  ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH'],
];

export function pairProblems(env: Record<string, string | undefined>): string[] {
  return PAIRS.filter(([a, b]) => (env[a] === undefined) !== (env[b] === undefined)).map(
    ([a, b]) => `${env[a] === undefined ? a : b}: must be set together with ${env[a] === undefined ? b : a}`,
  );
}

export type Environment = z.input<typeof environmentSchema>;

/** Turns the parsed environment into the shape the code uses. */
export function toConfig(env: z.output<typeof environmentSchema>) {
  const dataDir = resolve(env.MANDATE_DATA_DIR);
  return {
    dataDir,
    http: {
      host: env.MANDATE_HOST,
      port: env.MANDATE_PORT,
      publicUrl: env.MANDATE_PUBLIC_URL ?? `http://${env.MANDATE_HOST}:${env.MANDATE_PORT}`,
    },
    deployment: {
      partition: env.MANDATE_PARTITION,
      region: env.MANDATE_REGION,
      accountId: env.MANDATE_ACCOUNT_ID,
    },
    auth: {
      maxClockSkewSeconds: env.MANDATE_SIGV4_MAX_SKEW_SECONDS,
      adminCredentials:
        env.MANDATE_ADMIN_ACCESS_KEY_ID && env.MANDATE_ADMIN_SECRET_ACCESS_KEY
          ? {
              accessKeyId: env.MANDATE_ADMIN_ACCESS_KEY_ID,
              secretAccessKey: env.MANDATE_ADMIN_SECRET_ACCESS_KEY,
            }
          : undefined,
      adminCredentialsFile: resolve(dataDir, 'admin-credentials'),
      /** Bearer token (or cookie) for the Temporal UI's codec endpoint. */
      codecToken: env.MANDATE_CODEC_TOKEN,
      codecTokenFile: resolve(dataDir, 'codec-token'),
    },
    outbound: {
      /** Loopback and private-network URLs (and plain http to them) for local IdPs; off in production. */
      allowPrivateNetworks: env.MANDATE_ALLOW_PRIVATE_NETWORK_URLS,
      /** The same, for these origins only (the demo's IdP). */
      allowedPrivateOrigins: env.MANDATE_ALLOW_PRIVATE_URL_ORIGINS,
    },
    /** `npm run demo`: where its identity provider and the agent's web app listen. */
    demo: { idpPort: env.MANDATE_DEMO_IDP_PORT, appPort: env.MANDATE_DEMO_APP_PORT },
    jwt: { clockToleranceSeconds: env.MANDATE_JWT_CLOCK_TOLERANCE_SECONDS },
    secrets: {
      cacheTtlMs: env.MANDATE_SECRET_CACHE_TTL_SECONDS * 1000,
      /** How often external secrets are checked for a new version, and processes look at what was found. */
      watchIntervalMs: env.MANDATE_SECRET_WATCH_INTERVAL_SECONDS * 1000,
    },
    vault: { refreshMs: env.MANDATE_VAULT_REFRESH_SECONDS * 1000 },
    /**
     * Workflows a worker keeps in memory between their tasks; sleeping lifecycles beyond it are
     * replayed from their (short) history when their timer fires, so memory stays flat as connections grow.
     */
    worker: { maxCachedWorkflows: env.MANDATE_WORKER_MAX_CACHED_WORKFLOWS },
    metrics: {
      /** When set, scrapes need `Authorization: Bearer <token>`. */
      token: env.MANDATE_METRICS_TOKEN,
      /** Where a worker in its own process serves `/metrics` (the API serves it on its own port). */
      worker: { host: env.MANDATE_WORKER_METRICS_HOST, port: env.MANDATE_WORKER_METRICS_PORT },
    },
    /** OpenTelemetry traces; the exporter itself is configured by the standard OTEL_* variables. */
    tracing: { enabled: tracingEnabled(env), serviceName: env.OTEL_SERVICE_NAME },
    /** How long the hot path may reuse a principal, a provider or a connection it read. */
    cache: { ttlMs: env.MANDATE_CACHE_TTL_SECONDS * 1000 },
    consent: { sessionTtlMs: env.MANDATE_SESSION_TTL_SECONDS * 1000 },
    /** How long approvers have to answer a release a policy asks them to approve. */
    approvals: { ttlMs: env.MANDATE_APPROVAL_TTL_SECONDS * 1000 },
    /** Consent portal sign-ins end after this long unused, or this long after sign-in. */
    portal: {
      idleMs: env.MANDATE_PORTAL_IDLE_TIMEOUT_SECONDS * 1000,
      absoluteMs: env.MANDATE_PORTAL_SESSION_MAX_SECONDS * 1000,
    },
    lifecycle: {
      refreshSkewMs: env.MANDATE_REFRESH_SKEW_SECONDS * 1000,
      refreshJitterMs: env.MANDATE_REFRESH_JITTER_SECONDS * 1000,
      assumedLifetimeMs: env.MANDATE_ASSUMED_TOKEN_LIFETIME_SECONDS * 1000,
      cyclesPerRun: env.MANDATE_LIFECYCLE_CYCLES_PER_RUN,
    },
    wat: {
      ttlSeconds: env.MANDATE_WAT_TTL_SECONDS,
      rotationMs: env.MANDATE_WAT_KEY_ROTATION_HOURS * 3_600_000,
      refreshMs: 60_000,
    },
    logLevel: env.LOG_LEVEL,
    database: env.DATABASE_URL
      ? { kind: 'postgres' as const, url: env.DATABASE_URL }
      : { kind: 'pglite' as const, dir: resolve(dataDir, 'vault-db') },
    temporal: {
      /** Undefined means: the local stack starts a Temporal dev server. */
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      tls: env.TEMPORAL_TLS || env.TEMPORAL_TLS_CERT_PATH !== undefined || env.TEMPORAL_API_KEY !== undefined,
      tlsCertPath: env.TEMPORAL_TLS_CERT_PATH,
      tlsKeyPath: env.TEMPORAL_TLS_KEY_PATH,
      tlsCaPath: env.TEMPORAL_TLS_CA_PATH,
      apiKey: env.TEMPORAL_API_KEY,
      devServer: { port: env.TEMPORAL_DEV_PORT, uiPort: env.TEMPORAL_UI_PORT },
      /** Browser origins of the Temporal UI, allowed to call the codec endpoint: the local one and any configured. */
      uiOrigins: [
        `http://127.0.0.1:${env.TEMPORAL_UI_PORT}`,
        `http://localhost:${env.TEMPORAL_UI_PORT}`,
        ...env.MANDATE_TEMPORAL_UI_ORIGINS,
      ],
    },
    aws: {
      region: env.AWS_REGION ?? env.MANDATE_REGION,
      /**
       * Secrets Manager's endpoint, and KMS's unless `kmsEndpoint` is set. Undefined means real AWS
       * through the standard credential chain (`npm start`: the local endpoint of apps/aws-local).
       */
      endpoint: env.MANDATE_AWS_ENDPOINT_URL,
      /** KMS's own endpoint; undefined means `endpoint` (`npm start` with neither set: local-kms). */
      kmsEndpoint: env.MANDATE_AWS_ENDPOINT_URL_KMS,
      /** Port of apps/aws-local (Secrets Manager), which `npm start` runs when `endpoint` is unset. */
      localPort: env.MANDATE_LOCAL_AWS_PORT,
      /** Port of local-kms, which `npm start` runs when neither endpoint is set. */
      localKmsPort: env.MANDATE_LOCAL_KMS_PORT,
    },
  };
}

export type Config = ReturnType<typeof toConfig>;
