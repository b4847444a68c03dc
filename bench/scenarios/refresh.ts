import { setTimeout as sleep } from 'node:timers/promises';
import {
  GetResourceOauth2TokenCommand,
  GetWorkloadAccessTokenCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import { temporal } from '@temporalio/proto';
import { lifecycleStatusQuery } from '../../workflows/connection-lifecycle/definitions';
import type { BenchEnvironment } from '../environment';
import { rssMb } from '../harness';

/**
 * Refresh at scale: `connections` M2M connections whose tokens live 20 s, each renewed by its own
 * lifecycle (the refresh-token path runs the same timer, activity and store). Measures the
 * refreshes the IdP served per second over a window, the worker's memory, and Temporal history per refresh.
 */
export async function refreshAtScale(env: BenchEnvironment, connections: number, windowMs: number) {
  const data = env.test.data();
  const wat = (await data.send(new GetWorkloadAccessTokenCommand({ workloadName: 'agent' })))
    .workloadAccessToken!;
  const grants = () => env.idp.grants.get('client_credentials:success') ?? 0;
  const created = performance.now();
  for (let i = 0; i < connections; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, connections - i) }, (_v, j) =>
        data.send(
          new GetResourceOauth2TokenCommand({
            workloadIdentityToken: wat,
            resourceCredentialProviderName: 'idp',
            scopes: ['read'],
            oauth2Flow: 'M2M',
            audiences: [`https://api-${i + j}.bench`],
          }),
        ),
      ),
    );
  }
  const createSeconds = (performance.now() - created) / 1000;
  // One token lifetime, so every lifecycle is on its timer before the window opens.
  await sleep(20_000);
  const before = grants();
  const start = performance.now();
  await sleep(windowMs);
  const refreshes = grants() - before;
  const seconds = (performance.now() - start) / 1000;
  const workerRss = rssMb(env.worker.pid!);

  const { workflow } = env.test.stack.runtime.temporal;
  let events = 0;
  let bytes = 0;
  let cycles = 0;
  let sampled = 0;
  for await (const execution of workflow.list({
    query: "MandateFlow = 'M2M' AND ExecutionStatus = 'Running'",
  })) {
    const handle = workflow.getHandle(execution.workflowId, execution.runId);
    const history = await handle.fetchHistory();
    const status = await handle.query(lifecycleStatusQuery);
    events += history.events?.length ?? 0;
    bytes += temporal.api.history.v1.History.encode(history).finish().length;
    // The first grant of an M2M connection is its first cycle too.
    cycles += status.cycles;
    if ((sampled += 1) >= 20) break;
  }
  return {
    connections,
    createSeconds,
    windowSeconds: seconds,
    refreshesPerSecond: refreshes / seconds,
    /** What 20 s tokens renewed in the second half of their life ask for. */
    expectedPerSecond: connections / 15,
    workerRssMb: workerRss,
    historyEventsPerRefresh: events / cycles,
    historyBytesPerRefresh: bytes / cycles,
    sampledLifecycles: sampled,
  };
}
