import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

/**
 * Field names that may carry secrets. Pino replaces their values before a line is written, so a
 * careless `log.info({ body })` cannot leak a token or a key.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-amz-security-token"]',
  '*.secretAccessKey',
  '*.clientSecret',
  '*.apiKey',
  '*.accessToken',
  '*.refreshToken',
  '*.userToken',
  '*.code',
  '*.codeVerifier',
  '*.workloadAccessToken',
];

/**
 * The one structured logger of a process.
 *
 * @example
 * const log = createLogger('info');
 * log.info({ port: 8088 }, 'api listening');
 */
export function createLogger(level: string, name = 'mandate'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}

/** Adapts pino to Nest's logger interface so framework messages share the same output. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly pino: Logger) {}

  // Nest's own start-up chatter (modules loaded, routes mapped) is debug detail for an operator.
  log(message: unknown, context?: string) {
    this.pino.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.pino.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.pino.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.pino.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.pino.trace({ context }, String(message));
  }
}

export type { Logger } from 'pino';
