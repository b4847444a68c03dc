import { connectionLifecycleWorkflow } from '../../../workflows/connection-lifecycle/connection-lifecycle.workflow';
import {
  lifecycleStartOptions,
  tokensStoredSignal,
} from '../../../workflows/connection-lifecycle/definitions';
import type { ApprovalDeps } from '../../../activities/approvals/approval.activities';
import type { ConsentDeps } from '../../../activities/consent/consent.activities';
import type { LifecycleDeps } from '../../../activities/lifecycle/lifecycle.activities';
import type { SecretWatchDeps } from '../../../activities/secret-watch/secret-watch.activities';
import { ConnectionsRepository } from '../../../libs/vault/connections.repository';
import { ExchangeSubjectsRepository } from '../../../libs/vault/exchange-subjects.repository';
import { SessionsRepository } from '../../../libs/consent/sessions.repository';
import { Oauth2ProvidersRepository } from '../../../libs/providers/oauth2-providers.repository';
import type { Runtime } from '../../../libs/runtime/runtime';
import { SecretVersionsRepository } from '../../../libs/secrets/secret-versions.repository';
import { TemporalWebhookEmitter } from '../../../activities/webhooks/webhook-emitter';
import type { WebhookDeps } from '../../../activities/webhooks/webhook.activities';

/*
 * The worker's composition root: each activity group gets the narrow dependencies it declares.
 * Repositories here are uncached: an activity must read what is stored now, not what the API's hot
 * path cached. The connections they write are announced to the API replicas (runtime.announcing).
 */

export function consentDeps(runtime: Runtime): ConsentDeps {
  return {
    sessions: new SessionsRepository(runtime.db, runtime.envelope),
    connections: new ConnectionsRepository(runtime.db, runtime.envelope, runtime.announcing('connections')),
    records: runtime.repositories.connectionRecords,
    providers: new Oauth2ProvidersRepository(runtime.db),
    oauth: runtime.oauth,
    readSecret: runtime.secrets,
    publicUrl: runtime.config.http.publicUrl,
    timing: runtime.config.lifecycle,
    audit: runtime.audit,
    metrics: runtime.metrics,
    webhooks: webhookEmitter(runtime),
    startLifecycle: async (input) => {
      // signalWithStart: a new connection gets its lifecycle; a re-consented one hears of its new tokens.
      await runtime.temporal.workflow.signalWithStart(connectionLifecycleWorkflow, {
        ...lifecycleStartOptions(input, runtime.config.temporal.taskQueue),
        signal: tokensStoredSignal,
        signalArgs: [],
      });
    },
  };
}

export function lifecycleDeps(runtime: Runtime): LifecycleDeps {
  return {
    connections: new ConnectionsRepository(runtime.db, runtime.envelope, runtime.announcing('connections')),
    records: runtime.repositories.connectionRecords,
    subjects: new ExchangeSubjectsRepository(runtime.db, runtime.envelope),
    providers: new Oauth2ProvidersRepository(runtime.db),
    secrets: runtime.secrets,
    oauth: runtime.oauth,
    assumedLifetimeMs: runtime.config.lifecycle.assumedLifetimeMs,
    audit: runtime.audit,
    metrics: runtime.metrics,
    webhooks: webhookEmitter(runtime),
  };
}

export function secretWatchDeps(runtime: Runtime): SecretWatchDeps {
  return {
    secrets: runtime.secrets,
    versions: new SecretVersionsRepository(runtime.db),
    audit: runtime.audit,
    metrics: runtime.metrics,
    webhooks: webhookEmitter(runtime),
  };
}

export function approvalDeps(runtime: Runtime): ApprovalDeps {
  return {
    approvals: runtime.repositories.releaseApprovals,
    webhooks: webhookEmitter(runtime),
    audit: runtime.audit,
    metrics: runtime.metrics,
  };
}

/** Events from activities to the subscriptions' delivery workflows. */
const webhookEmitter = (runtime: Runtime) =>
  new TemporalWebhookEmitter(
    runtime.repositories.webhooks,
    runtime.temporal,
    runtime.config.temporal.taskQueue,
  );

export function webhookDeps(runtime: Runtime): WebhookDeps {
  return { webhooks: runtime.repositories.webhooks, fetch: runtime.outboundFetch };
}
