import { performance } from 'node:perf_hooks';
import {
  CompleteResourceTokenAuthCommand,
  GetWorkloadAccessTokenForUserIdCommand,
} from '@aws-sdk/client-bedrock-agentcore';
import { NativeConnection, Worker } from '@temporalio/worker';
import { askToken } from '../../test/helpers/consent-flow';
import { echoWorkflow } from '../echo.workflow';
import type { BenchEnvironment } from '../environment';
import { quantile } from '../harness';

/**
 * Consent: `CompleteResourceTokenAuth` → token available (the app's call, then its poll), over
 * `sessions` users who each log in and consent at the IdP first; next to an empty workflow's
 * start-to-result round trip on the same Temporal server with the same payload codec.
 */
export async function consent(env: BenchEnvironment, sessions: number) {
  const data = env.test.data();
  const completion: number[] = [];
  for (let i = 0; i < sessions + 2; i += 1) {
    const userId = `consenting-${i}`;
    const wat = (
      await data.send(new GetWorkloadAccessTokenForUserIdCommand({ workloadName: 'agent', userId }))
    ).workloadAccessToken!;
    const started = await askToken(env.test, wat, ['read', 'offline_access'], {
      customParameters: { prompt: 'consent' },
    });
    await fetch(await env.idp.authorize(started.authorizationUrl!, userId), { redirect: 'manual' });
    const begin = performance.now();
    await data.send(
      new CompleteResourceTokenAuthCommand({ sessionUri: started.sessionUri, userIdentifier: { userId } }),
    );
    let token: string | undefined;
    while (!token)
      token = (await askToken(env.test, wat, ['read'], { sessionUri: started.sessionUri })).accessToken;
    // The first two are warm-up.
    if (i >= 2) completion.push(performance.now() - begin);
  }

  const { runtime, config } = env.test.stack;
  const connection = await NativeConnection.connect({ address: config.temporal.address! });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: 'bench-echo',
    workflowsPath: require.resolve('../echo.workflow'),
    dataConverter: { payloadCodecs: [runtime.payloadCodec] },
  });
  const roundTrip: number[] = [];
  await worker.runUntil(async () => {
    for (let i = 0; i < sessions + 2; i += 1) {
      const begin = performance.now();
      await runtime.temporal.workflow.execute(echoWorkflow, {
        taskQueue: 'bench-echo',
        workflowId: `bench-echo-${Date.now()}-${i}`,
        args: ['x'],
      });
      if (i >= 2) roundTrip.push(performance.now() - begin);
    }
  });
  await connection.close();
  const summary = (samples: number[]) => ({
    p50Ms: quantile(samples, 0.5),
    p99Ms: quantile(samples, 0.99),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    n: samples.length,
  });
  const completionSummary = summary(completion);
  const echo = summary(roundTrip);
  return { completion: completionSummary, emptyWorkflow: echo, ratio: completionSummary.p50Ms / echo.p50Ms };
}
