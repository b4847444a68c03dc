import { ConfigError } from '../../../libs/config/config';
import { PortInUseError } from '../../../libs/local-stack/ports';
import type { Logger } from '../../../libs/logging/logger';

/**
 * Keeps a started stack in the foreground: Ctrl-C or SIGTERM stops it in order, and so does the
 * worker ending on its own (exit code 1, since nothing asked it to stop).
 */
export function runInForeground(options: {
  name: string;
  stop: () => Promise<void>;
  workerDone: Promise<void>;
  log: Logger;
}): void {
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nStopping ${options.name} ...\n`);
    await options.stop();
    process.stdout.write('Stopped.\n');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  options.workerDone.then(
    () => void shutdown(stopping ? 0 : 1),
    (err: unknown) => {
      options.log.error({ err }, 'worker failed');
      void shutdown(1);
    },
  );
}

/** A start-up failure: the message alone for the ones that explain themselves, else the stack. */
export function exitOnStartFailure(err: unknown): never {
  const known = err instanceof ConfigError || err instanceof PortInUseError;
  process.stderr.write(`${known ? (err as Error).message : String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
}
