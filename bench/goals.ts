import type { Figure } from './harness';

/** One goal of the speed issue: what was measured in this run, against what, met or not. */
export interface GoalResult {
  figure: string;
  measured: string;
  goal: string;
  met: boolean;
}

interface Inputs {
  micro: { name: string; opsPerSecond: number }[];
  hot: {
    rows: {
      concurrency: number;
      ratioToNodeHttp: number;
      mandate: { p99Ms: Figure };
      bareNodeHttp: { rps: Figure };
    }[];
  };
  wat: { verifyViaGetResourceApiKey: { rps: Figure }; mintForUserId: { rps: Figure } };
  consent: { ratio: number };
  refresh: { refreshesPerSecond: number; expectedPerSecond: number };
  growth: { connections: number; hotPath: { rps: Figure }; workerRssMb: number }[];
  vault: { connections: number; hotPath: { rps: Figure } }[];
}

const ratio = (value: number) => `${value.toFixed(2)}×`;

/**
 * The goals of `npm run bench`, each from figures of the same run: ratios against the baselines
 * measured beside them, never against numbers from another machine or day.
 */
export function evaluateGoals(r: Inputs): GoalResult[] {
  const goals: GoalResult[] = [];
  for (const row of r.hot.rows)
    goals.push({
      figure: `GetResourceOauth2Token vault hit, c=${row.concurrency}`,
      measured: ratio(row.ratioToNodeHttp),
      goal: '≥ 0.35× node:http',
      met: row.ratioToNodeHttp >= 0.35,
    });
  const c50 = r.hot.rows.find((row) => row.concurrency === 50);
  if (c50)
    goals.push({
      figure: 'GetResourceOauth2Token p99, c=50',
      measured: `${c50.mandate.p99Ms.median.toFixed(1)} ms`,
      goal: '≤ 10 ms',
      met: c50.mandate.p99Ms.median <= 10,
    });
  const c10 = r.hot.rows.find((row) => row.concurrency === 10);
  if (c10) {
    const floor = c10.bareNodeHttp.rps.median;
    for (const [figure, rps] of [
      ['GetResourceApiKey over HTTP, c=10', r.wat.verifyViaGetResourceApiKey.rps.median],
      ['GetWorkloadAccessTokenForUserId over HTTP, c=10', r.wat.mintForUserId.rps.median],
    ] as const)
      goals.push({
        figure,
        measured: ratio(rps / floor),
        goal: '≥ 0.30× node:http',
        met: rps / floor >= 0.3,
      });
  }
  const jwt = r.micro.find((m) => m.name.startsWith('user JWT verify'));
  if (jwt)
    goals.push({
      figure: 'user JWT verify (RS256, cached JWKS), in-process',
      measured: `${Math.round(jwt.opsPerSecond)}/s`,
      goal: '≥ 15000/s',
      met: jwt.opsPerSecond >= 15_000,
    });
  const [first, ...larger] = r.growth;
  // The hot path's growth: the vault filled in bulk, against its own first step (same users, same load).
  const [base, ...grown] = r.vault;
  if (base)
    for (const step of grown) {
      const change = step.hotPath.rps.median / base.hotPath.rps.median;
      goals.push({
        figure: `hot path with ${step.connections} vs ${base.connections} stored connections`,
        measured: ratio(change),
        goal: 'within 10 % (≥ 0.90×)',
        met: change >= 0.9,
      });
    }
  if (first)
    for (const step of larger) {
      const rss = step.workerRssMb / first.workerRssMb;
      goals.push({
        figure: `worker RSS with ${step.connections} vs ${first.connections} lifecycles`,
        measured: ratio(rss),
        goal: 'within 10 % (≤ 1.10×)',
        met: rss <= 1.1,
      });
    }
  goals.push({
    figure: 'refresh at scale, achieved / demanded',
    measured: `${r.refresh.refreshesPerSecond.toFixed(1)}/s of ${r.refresh.expectedPerSecond.toFixed(1)}/s`,
    goal: 'achieved ≥ demanded',
    met: r.refresh.refreshesPerSecond >= r.refresh.expectedPerSecond,
  });
  goals.push({
    figure: 'consent completion → token, p50 vs an empty workflow',
    measured: ratio(r.consent.ratio),
    goal: '≤ 2×',
    met: r.consent.ratio <= 2,
  });
  return goals;
}
