import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

/**
 * The load generator, in a process of its own so that it does not share the event loop of the
 * server it measures: `concurrency` callers each send the next request as soon as the previous one
 * is answered, for a warm-up and then a measured period. Prints one JSON line.
 */
interface LoadSpec {
  origin: string;
  requests: { path: string; headers: Record<string, string>; body: string }[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

async function main() {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec;
  const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  let measuring = false;
  let stopAt = performance.now() + spec.warmupMs;

  const caller = async () => {
    while (performance.now() < stopAt) {
      const request = spec.requests[next++ % spec.requests.length]!;
      const started = performance.now();
      try {
        const response = await pool.request({ method: 'POST', ...request });
        await response.body.dump();
        // Every answer is checked, warm-up included: a run with any error fails.
        if (response.statusCode >= 300) errors += 1;
        if (measuring) latencies.push(performance.now() - started);
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, caller));
  measuring = true;
  const start = performance.now();
  stopAt = start + spec.durationMs;
  await Promise.all(Array.from({ length: spec.concurrency }, caller));
  const elapsed = performance.now() - start;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  process.stdout.write(
    `${JSON.stringify({
      requests: latencies.length,
      errors,
      rps: (latencies.length * 1000) / elapsed,
      p50: at(0.5),
      p99: at(0.99),
      max: latencies.at(-1) ?? 0,
    })}\n`,
  );
}

void main();
