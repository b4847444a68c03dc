import { consentAs, registerAgentAndIdp } from '../../test/helpers/consent-flow';
import { startScaleOut } from '../../test/helpers/scale-out';
import { signedHeaders } from '../../test/helpers/signed-fetch';
import type { BenchEnvironment } from '../environment';
import { figure, runLoad, type LoadTarget } from '../harness';
import { consent } from './consent';
import { refreshAtScale } from './refresh';
import { TOKEN_PATH, tokenRequest } from './hot-path';

/**
 * The production topology's figures, next to the dev server's: the scale-out suite's deployment
 * (the Temporal server on PostgreSQL, three API replicas, two workers, one PostgreSQL vault). The
 * hot path loads all three replicas at once (one load client each, `concurrency` split between
 * them); consent completion and refresh at scale run as on the dev server, through the second replica.
 */
export async function clusterRun(options: {
  load: { warmupMs: number; durationMs: number; repeats: number };
  concurrency: number;
  consents: number;
  refresh: { connections: number; windowMs: number };
}) {
  const so = await startScaleOut({
    apis: 3,
    workers: 2,
    env: { MANDATE_REFRESH_SKEW_SECONDS: '4', MANDATE_REFRESH_JITTER_SECONDS: '2', LOG_LEVEL: 'error' },
  });
  const idp = await registerAgentAndIdp(so.test, { clientCredentialsTtlSeconds: 20 });
  const { config } = so.test.stack;
  const signedFor = (url: string) => async (path: string, body: unknown) => {
    const text = JSON.stringify(body);
    const headers = await signedHeaders({
      url,
      path,
      body: text,
      credentials: so.test.adminCredentials(),
      region: config.deployment.region,
    });
    return { path, headers, body: text };
  };
  const second = so.replicas[1]!;
  const env: BenchEnvironment = {
    test: so.test,
    idp,
    worker: so.workers[0]!,
    api: second.process!,
    apiUrl: second.url,
    signed: signedFor(second.url),
    stop: () => Promise.resolve(),
  };
  try {
    const { wat } = await consentAs(so.test, idp, 'bench-user', ['read']);
    const perReplica = Math.max(1, Math.round(options.concurrency / so.replicas.length));
    const totals: number[] = [];
    const p99s: number[] = [];
    for (let i = 0; i < options.load.repeats; i += 1) {
      const targets: LoadTarget[] = await Promise.all(
        so.replicas.map(async (r) => ({
          origin: r.url,
          requests: [await signedFor(r.url)(TOKEN_PATH, tokenRequest(wat))],
        })),
      );
      const runs = await Promise.all(
        targets.map((target) => runLoad(target, { ...options.load, concurrency: perReplica })),
      );
      const errors = runs.reduce((sum, r) => sum + r.errors, 0);
      if (errors > 0) throw new Error(`${errors} requests failed under load on the cluster`);
      totals.push(runs.reduce((sum, r) => sum + r.rps, 0));
      p99s.push(Math.max(...runs.map((r) => r.p99)));
    }
    const hotPath = {
      concurrency: perReplica * so.replicas.length,
      rps: figure(totals),
      p99Ms: figure(p99s),
    };
    const consentResult = await consent(env, options.consents);
    const refresh = await refreshAtScale(env, options.refresh.connections, options.refresh.windowMs);
    return { hotPath, consent: consentResult, refresh };
  } finally {
    await so.stop();
    await idp.stop();
  }
}
