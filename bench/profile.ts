import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { consentAs } from '../test/helpers/consent-flow';
import { startBenchEnvironment } from './environment';
import { cpuMicroseconds, runLoad } from './harness';
import { TOKEN_PATH, tokenRequest } from './scenarios/hot-path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Self time per function and per package (the folder under node_modules, or Mandate's own code). */
function summarize(profile: { nodes: ProfileNode[]; samples?: number[] }) {
  const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^file:\/\//, '').replace(`${resolve('.')}/`, '');
    const pkg =
      /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where)?.[1] ??
      (where ? where.split('/').slice(0, 2).join('/') : functionName);
    const fn = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, hits]) => `${((hits / total) * 100).toFixed(1).padStart(5)} %  ${name}`);
  return { packages: top(byPackage, 25), functions: top(byFunction, 40) };
}

/**
 * `npm run bench:profile`: the API replica of the bench (its own process) under the hot path's load
 * (GetResourceOauth2Token from the vault, c=10) with the V8 CPU profiler on for the measured period
 * only. Writes `hot-path.cpuprofile` (open it in Chrome DevTools or speedscope for the flame graph)
 * and prints self time by package and by function.
 */
async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const file = resolve('hot-path.cpuprofile');
  rmSync(file, { force: true });
  const env = await startBenchEnvironment({
    program: join(__dirname, 'profiled-api.ts'),
    env: { MANDATE_BENCH_PROFILE: file },
  });
  const profiler = () => process.kill(env.api.pid!, 'SIGUSR2');
  try {
    const { wat } = await consentAs(env.test, env.idp, 'profile-user', ['read']);
    const target = async () => ({
      origin: env.apiUrl,
      requests: [await env.signed(TOKEN_PATH, tokenRequest(wat))],
    });
    await runLoad(await target(), { concurrency: 10, warmupMs: 1000, durationMs: 1000 });
    profiler();
    const cpuBefore = cpuMicroseconds(env.api.pid!);
    const load = await runLoad(await target(), { concurrency: 10, warmupMs: 0, durationMs: 8000 });
    const cpuUsed = cpuMicroseconds(env.api.pid!) - cpuBefore;
    profiler();
    while (!existsSync(file)) await sleep(100);
    const summary = summarize(JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] });
    process.stdout.write(
      `load: ${JSON.stringify(load)}\napi cpu: ${(cpuUsed / load.requests).toFixed(0)} µs per request (all threads, profiler on)\n\n## self time by package\n${summary.packages.join('\n')}\n\n## self time by function\n${summary.functions.join('\n')}\n\nprofile written to ${file}\n`,
    );
  } finally {
    await env.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
