import {
  continueAsNew,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { SecretWatchActivities } from '../../activities/secret-watch/secret-watch.activities';
import { STATE } from '../search-attributes';
import { secretWatchStatusQuery, type SecretWatchInput, type SecretWatchStatus } from './definitions';

const { checkSecretVersion } = proxyActivities<SecretWatchActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 3 },
});

/** Checks per run before continuing as new, which keeps the history short. */
const CHECKS_PER_RUN = 100;

/**
 * Watches one external secret for a new AWSCURRENT version, so that every process drops the old
 * value before a token request meets `invalid_client` with it (or an agent gets a stale API key).
 * Ends by itself once no credential provider uses the secret.
 */
export async function secretWatchWorkflow(input: SecretWatchInput): Promise<SecretWatchStatus> {
  const status: SecretWatchStatus = { checks: 0, rotations: input.rotations ?? 0, failures: 0 };
  setHandler(secretWatchStatusQuery, () => status);
  while (status.checks < CHECKS_PER_RUN) {
    try {
      const { watched, rotated } = await checkSecretVersion({ arn: input.arn });
      if (!watched) {
        upsertSearchAttributes([{ key: STATE, value: 'ENDED' }]);
        return status;
      }
      if (rotated) status.rotations += 1;
    } catch {
      // Not fatal: values are still read through the cache's TTL and re-read on invalid_client.
      status.failures += 1;
    }
    status.checks += 1;
    await sleep(input.intervalMs);
  }
  return continueAsNew<typeof secretWatchWorkflow>({ ...input, rotations: status.rotations });
}
