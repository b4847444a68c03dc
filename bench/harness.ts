import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LoadTarget {
  origin: string;
  requests: { path: string; headers: Record<string, string>; body: string }[];
}

/** Median and spread of repeated measurements. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function figure(values: number[]): Figure {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
    runs: sorted.length,
  };
}

/** The q-quantile (0..1) of samples. */
export function quantile(samples: number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** One load run by the load client in a child process (so it never shares the server's event loop). */
export async function runLoad(
  target: LoadTarget,
  options: { concurrency: number; warmupMs: number; durationMs: number },
): Promise<LoadResult> {
  const specFile = join(tmpdir(), `mandate-load-${process.pid}-${Date.now()}.json`);
  writeFileSync(specFile, JSON.stringify({ ...target, ...options }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'load-client.ts'), specFile], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`load client exited with ${code}`);
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult;
}

/** Repeated load runs: median and spread of requests/s and of the p50/p99 latencies. */
export async function repeatLoad(
  /** Built afresh for each run, so signed requests stay within the signature's time window. */
  target: () => Promise<LoadTarget>,
  options: {
    concurrency: number;
    warmupMs: number;
    durationMs: number;
    repeats: number;
    /** The server's process: its CPU time per answered request is reported too. */
    servedBy?: number;
  },
) {
  const runs: LoadResult[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < options.repeats; i += 1) {
    const request = await target();
    const before = options.servedBy === undefined ? 0 : cpuMicroseconds(options.servedBy);
    const run = await runLoad(request, options);
    if (options.servedBy !== undefined)
      cpu.push((cpuMicroseconds(options.servedBy) - before) / Math.max(1, run.requests));
    runs.push(run);
  }
  const errors = runs.reduce((sum, r) => sum + r.errors, 0);
  if (errors > 0) throw new Error(`${errors} requests failed under load`);
  return {
    concurrency: options.concurrency,
    rps: figure(runs.map((r) => r.rps)),
    p50Ms: figure(runs.map((r) => r.p50)),
    p99Ms: figure(runs.map((r) => r.p99)),
    ...(cpu.length > 0 ? { serverCpuMicrosPerRequest: figure(cpu) } : {}),
  };
}

/**
 * CPU time (user and system, all threads) a process has used so far, in µs, from /proc (Linux).
 * Warm-up requests count as well; the load client's warm-up is short against its measured period.
 */
export function cpuMicroseconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime, in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export function machine() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout: the figures still stand, without their commit.
  }
  return {
    commit,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    cpu: cpus()[0]?.model ?? 'unknown CPU',
    cores: cpus().length,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Resident memory of a process, from /proc (Linux). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export const fmt = (f: Figure, digits = 0) =>
  `${f.median.toFixed(digits)} (${f.min.toFixed(digits)}..${f.max.toFixed(digits)})`;
