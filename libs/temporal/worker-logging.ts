import { Runtime, type LogLevel, type LogMetadata, type Logger as TemporalLogger } from '@temporalio/worker';
import type { Logger } from '../logging/logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Temporal's worker logs, through the process's pino logger. */
class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}
  log(level: LogLevel, message: string, meta?: LogMetadata) {
    this.pino[LEVELS[level]]({ ...meta }, message);
  }
  trace(message: string, meta?: LogMetadata) {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata) {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata) {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata) {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata) {
    this.log('ERROR', message, meta);
  }
}

let installed = false;

/**
 * Routes the Temporal worker runtime's logs to pino. The runtime is process-wide and can be
 * installed once, before the first worker connection; later calls keep the first logger.
 */
export function installWorkerLogging(log: Logger): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new PinoTemporalLogger(log.child({ component: 'temporal-worker' })) });
}
