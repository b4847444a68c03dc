import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import { connectionId } from '../../libs/consent/user-key';
import { connectionLifecycleWorkflow } from '../../workflows/connection-lifecycle/connection-lifecycle.workflow';
import {
  lifecycleStartOptions,
  lifecycleStatusQuery,
  connectionLifecycleWorkflowId,
} from '../../workflows/connection-lifecycle/definitions';
import type { BenchEnvironment } from '../environment';
import { repeatLoad, rssMb } from '../harness';
import { TOKEN_PATH, tokenRequest } from './hot-path';

const userOf = (i: number) => `grown-${i}`;

/**
 * Growth: the vault filled to each size with user connections, each with its lifecycle asleep on
 * its timer (tokens live a day); at each size the hot path (over 100 users spread across the vault),
 * the worker's memory, and the database's size.
 */
export async function growth(
  env: BenchEnvironment,
  sizes: number[],
  load: { warmupMs: number; durationMs: number; repeats: number; concurrency: number },
) {
  const { runtime, config } = env.test.stack;
  const connections = new ConnectionsRepository(runtime.db, runtime.envelope);
  const rows = [];
  let seeded = 0;
  for (const size of sizes) {
    const started = performance.now();
    for (let i = seeded; i < size; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, size - i) }, async (_v, j) => {
          const user = runtime.userKeys.hash({ kind: 'userId', userId: userOf(i + j) });
          const id = connectionId('agent', user, 'idp');
          const now = new Date();
          await connections.save(
            {
              id,
              workloadName: 'agent',
              providerName: 'idp',
              userHash: user,
              scopes: ['read'],
              expiresAt: new Date(now.getTime() + 86_400_000),
            },
            { accessToken: `access-${i + j}-${'x'.repeat(800)}`, refreshToken: `refresh-${i + j}` },
            now,
          );
          await runtime.temporal.workflow.start(connectionLifecycleWorkflow, {
            ...lifecycleStartOptions(
              { connectionId: id, workloadName: 'agent', providerName: 'idp', timing: config.lifecycle },
              config.temporal.taskQueue,
            ),
          });
        }),
      );
    }
    // The last lifecycle started has read its expiry: the worker has caught up.
    const last = connectionId(
      'agent',
      runtime.userKeys.hash({ kind: 'userId', userId: userOf(size - 1) }),
      'idp',
    );
    const handle = runtime.temporal.workflow.getHandle(connectionLifecycleWorkflowId(last));
    // A query may fail while the worker has not taken the workflow's first task yet.
    const caughtUp = () =>
      handle.query(lifecycleStatusQuery).then(
        (status) => status.expiresAt !== undefined,
        () => false,
      );
    while (!(await caughtUp())) await sleep(500);
    const seedSeconds = (performance.now() - started) / 1000;
    seeded = size;
    await sleep(2000);
    const workerRssMb = rssMb(env.worker.pid!);

    const sample = Array.from({ length: 100 }, (_v, k) => Math.floor((k * size) / 100));
    const wats = await Promise.all(
      sample.map((i) =>
        runtime.workloadAccessTokens.mint({
          workloadName: 'agent',
          user: { kind: 'userId', userId: userOf(i) },
        }),
      ),
    );
    const hot = await repeatLoad(
      async () => ({
        origin: env.apiUrl,
        requests: await Promise.all(wats.map((wat) => env.signed(TOKEN_PATH, tokenRequest(wat)))),
      }),
      load,
    );
    const sizes = await sql<{ database: string; connections: string }>`
      select pg_database_size(current_database()) as database,
             pg_total_relation_size('connections') as connections`.execute(runtime.db);
    rows.push({
      connections: size,
      seedSeconds,
      hotPath: hot,
      workerRssMb,
      databaseMb: Number(sizes.rows[0]!.database) / 1048576,
      connectionsTableMb: Number(sizes.rows[0]!.connections) / 1048576,
    });
  }
  return rows;
}
