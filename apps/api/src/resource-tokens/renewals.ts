import { setTimeout as sleep } from 'node:timers/promises';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { ConnectionsRepository } from '../../../../libs/vault/connections.repository';
import type { Metrics } from '../../../../libs/metrics/metrics';
import { unexpired } from '../../../../libs/vault/token-freshness';
import { InternalServerException, ValidationException } from '../../../../libs/wire/errors';
import { connectionLifecycleWorkflow } from '../../../../workflows/connection-lifecycle/connection-lifecycle.workflow';
import {
  lifecycleStartOptions,
  refreshUpdate,
  type ConnectionLifecycleInput,
  type LifecycleStatus,
  type LifecycleTiming,
  type RenewalFailure,
} from '../../../../workflows/connection-lifecycle/definitions';

/** How long a caller waits for a renewal while the token it already has is still valid. */
const RENEWAL_WAIT_MS = 3000;
/** How long a renewal request is retried when Temporal could not take it (a worker died, too many in flight). */
const RENEWAL_RETRY_MS = 40_000;

/** What a renewal names: the connection and what its lifecycle is started with, should none be running. */
export type RenewalTarget = Pick<
  ConnectionLifecycleInput,
  'connectionId' | 'workloadName' | 'providerName' | 'userHash' | 'grant'
>;

/** After a renewal: the vault's token, or (when nothing valid is left) why the provider refused, if it did. */
export type Renewed = { accessToken: string } | { failure?: RenewalFailure };

/**
 * Renewal requests to connection lifecycles from this process, as a `refreshUpdate` with start: a
 * connection whose lifecycle is not running (not started yet, or ended) gets one. Concurrent callers
 * for one connection share one request (Temporal also limits the updates in flight per workflow); a
 * request Temporal could not take is sent again with backoff, while an answer from the lifecycle
 * itself (it needs consent) is final.
 */
export class Renewals {
  private readonly inFlight = new Map<string, Promise<LifecycleStatus | undefined>>();

  constructor(
    private readonly temporal: Client,
    private readonly connections: Pick<ConnectionsRepository, 'readFresh'>,
    private readonly options: { taskQueue: string; timing: LifecycleTiming },
    private readonly metrics?: Pick<Metrics, 'renewal'>,
  ) {}

  /**
   * The one rule for "renew, then re-read the vault": asks the lifecycle for a new token (waiting
   * at most a few seconds while the caller's current one is still valid) and answers whatever valid
   * token the vault holds afterwards, since the lifecycle, not this process, writes it.
   * `seen`: the expiry the caller found in the vault (none when it found nothing).
   */
  async renewAndRead(target: RenewalTarget, seen: Date | undefined): Promise<Renewed> {
    // A caller that found nothing saw "expired at the epoch": any grant made since then serves it.
    const outcome = await awaitRenewal(this.request(target, seen ?? new Date(0)), seen);
    const stored = await this.connections.readFresh(target.connectionId);
    if (stored && unexpired(stored.connection)) return { accessToken: stored.tokens.accessToken };
    return outcome?.lastFailure ? { failure: outcome.lastFailure } : {};
  }

  /** `seen`: the expiry the caller found in the vault (the epoch when it found nothing). */
  request(target: RenewalTarget, seen: Date): Promise<LifecycleStatus | undefined> {
    const shared = this.inFlight.get(target.connectionId);
    if (shared) {
      this.metrics?.renewal('shared');
      return shared;
    }
    this.metrics?.renewal('sent');
    const renewal = this.sendWithRetry(target, seen).finally(() => this.inFlight.delete(target.connectionId));
    this.inFlight.set(target.connectionId, renewal);
    return renewal;
  }

  private send(target: RenewalTarget, seen: Date): Promise<LifecycleStatus> {
    return this.temporal.workflow.executeUpdateWithStart(refreshUpdate, {
      args: [{ seenExpiresAt: seen.toISOString() }],
      startWorkflowOperation: new WithStartWorkflowOperation(connectionLifecycleWorkflow, {
        ...lifecycleStartOptions({ ...target, timing: this.options.timing }, this.options.taskQueue),
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
  }

  private async sendWithRetry(target: RenewalTarget, seen: Date): Promise<LifecycleStatus | undefined> {
    const deadline = Date.now() + RENEWAL_RETRY_MS;
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await this.send(target, seen);
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError || Date.now() > deadline) return undefined;
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }
}

/**
 * Waits for a renewal; while the caller's current token is still valid, at most a few seconds (or
 * half its remaining life), after which the caller serves that token: a slow or unreachable provider
 * never holds up a caller who has something valid to serve.
 */
export async function awaitRenewal(
  renewal: Promise<LifecycleStatus | undefined>,
  currentExpiry: Date | undefined,
): Promise<LifecycleStatus | undefined> {
  const left = currentExpiry ? currentExpiry.getTime() - Date.now() : 0;
  if (left <= 0) return renewal;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    renewal,
    new Promise<undefined>((resolve) => {
      // Half the remaining life at most, so what is served afterwards still has some to live.
      timer = setTimeout(() => resolve(undefined), Math.min(left / 2, RENEWAL_WAIT_MS));
    }),
  ]);
  clearTimeout(timer);
  return outcome;
}

/**
 * The provider could not renew and nothing valid is left. A refusal is a ValidationException, as
 * AgentCore answers upstream refusals, with the OAuth error code that says what to fix (`invalid_client`:
 * the client ID or secret); an unreachable provider is an InternalServerException, which callers retry.
 */
export function providerFailure(
  providerName: string,
  failure: RenewalFailure,
): ValidationException | InternalServerException {
  if (failure === 'unavailable')
    return new InternalServerException(
      `The token endpoint of credential provider ${providerName} could not be reached; try again later`,
    );
  return ValidationException.field(
    'resourceCredentialProviderName',
    `the token endpoint of credential provider ${providerName} refused the request: ${failure}`,
  );
}
