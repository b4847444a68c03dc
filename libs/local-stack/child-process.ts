import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** A program of the local stack, run as a child with its output in a log file. */
export class ManagedProcess {
  private exited = false;
  readonly exit: Promise<number | null>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    this.exit = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exited = true;
        resolve(code);
      });
    });
  }

  /**
   * Starts `command` and resolves once `ready()` resolves true, or throws (and stops the child)
   * when it exits first or `timeoutMs` passes.
   */
  static async start(options: {
    name: string;
    command: string;
    args: string[];
    logFile: string;
    ready: () => Promise<boolean>;
    timeoutMs?: number;
    env?: NodeJS.ProcessEnv;
  }): Promise<ManagedProcess> {
    mkdirSync(dirname(options.logFile), { recursive: true });
    const log = createWriteStream(options.logFile, { flags: 'a' });
    // detached: a Ctrl-C in the terminal reaches only the launcher, which then stops children in order.
    const child = spawn(options.command, options.args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env,
      detached: true,
    });
    // Both streams write one log, which ends when both have closed ('close'), not when the first ends.
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    const logWritten = new Promise((resolve) => child.once('close', () => log.end(resolve)));
    const managed = new ManagedProcess(options.name, child);
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (managed.exited) {
        await logWritten;
        throw new Error(
          `${options.name} exited during start-up; see ${options.logFile}, which ends with:\n${lastLines(options.logFile)}`,
        );
      }
      if (await options.ready().catch(() => false)) return managed;
      await sleep(200);
    }
    await managed.stop();
    throw new Error(`${options.name} did not become ready in time; see ${options.logFile}`);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  /** For fault tests: the process dies as it would in a crash. */
  async kill(): Promise<void> {
    if (this.exited) return;
    this.signal('SIGKILL');
    await this.exit;
  }

  /** To the whole process group: a wrapper (runuser, a shell) must not outlive its program. */
  private signal(signal: NodeJS.Signals) {
    try {
      if (this.child.pid) process.kill(-this.child.pid, signal);
    } catch {
      this.child.kill(signal);
    }
  }
}

/** The end of a log, so that a start-up failure explains itself where the log is not at hand (CI). */
function lastLines(file: string, count = 5): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-count).join('\n');
  } catch {
    return '(no log)';
  }
}
