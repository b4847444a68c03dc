import { spawn } from 'node:child_process';
import { join } from 'node:path';

export interface Baseline {
  origin: string;
  pid: number;
  close(): Promise<void>;
}

/** Starts a baseline endpoint (bench/baseline-server.ts) in its own process and waits for its origin. */
async function startBaseline(kind: 'node-http' | 'fastify'): Promise<Baseline> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'baseline-server.ts'), kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { origin: string }).origin);
    });
    child.on('exit', (code) => reject(new Error(`baseline ${kind} exited with ${code}`)));
  });
  return {
    origin,
    pid: child.pid!,
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The floor for the hot path: a bare node:http endpoint that reads a JSON body and answers JSON. */
export const startBareNodeHttp = () => startBaseline('node-http');

/** The same on bare Fastify, the HTTP layer Mandate's API runs on. */
export const startBareFastify = () => startBaseline('fastify');
