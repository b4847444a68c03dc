import { ApplicationFailure } from '@temporalio/activity';
import { OutboundUrlRefused } from '../../libs/net/outbound-fetch';
import type { QueuedWebhookEvent } from '../../workflows/webhook-delivery/definitions';
import { webhookSignature } from '../../libs/webhooks/signature';
import type { WebhooksRepository } from '../../libs/webhooks/webhooks.repository';

export interface WebhookDeps {
  webhooks: Pick<WebhooksRepository, 'signingTarget' | 'attempted' | 'failed'>;
  /** The outbound guard's fetch: a receiver is reached only where any other outbound URL may be. */
  fetch: typeof fetch;
  now?: () => Date;
}

/** The body receivers get: the event as Standard Webhooks lays it out (`type`, `timestamp`, `data`). */
export const webhookBody = (event: QueuedWebhookEvent) =>
  JSON.stringify({ id: event.id, type: event.type, timestamp: event.timestamp, data: event.data });

/** Delivery of webhook events: one signed POST per attempt, its outcome recorded. */
export function createWebhookActivities(deps: WebhookDeps) {
  const now = deps.now ?? (() => new Date());
  return {
    /**
     * POSTs the event, signed with every secret that signs now. A 2xx is a delivery; anything else
     * (another status, a timeout, a refused connection) is retried by Temporal with backoff; a URL
     * the outbound guard refuses, or a deleted subscription, is not retried.
     */
    async deliverWebhook(input: { subscription: string; event: QueuedWebhookEvent }): Promise<void> {
      const at = now();
      const target = await deps.webhooks.signingTarget(input.subscription, at);
      if (!target)
        throw ApplicationFailure.nonRetryable('The subscription no longer exists', 'subscription_deleted');
      const body = webhookBody(input.event);
      const timestamp = Math.floor(at.getTime() / 1000);
      let status: number;
      try {
        const response = await deps.fetch(target.url, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Mandate-Webhooks',
            'webhook-id': input.event.id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': webhookSignature(target.secrets, input.event.id, timestamp, body),
          },
          body,
        });
        status = response.status;
        await response.body?.cancel();
      } catch (err) {
        const refused =
          err instanceof OutboundUrlRefused || (err as Error).cause instanceof OutboundUrlRefused;
        const error = refused ? 'refused by the outbound URL guard' : 'the receiver could not be reached';
        await deps.webhooks.attempted(
          input.subscription,
          input.event.id,
          { state: refused ? 'FAILED' : 'PENDING', error },
          at,
        );
        if (refused) throw ApplicationFailure.nonRetryable(error, 'webhook_url_refused');
        throw ApplicationFailure.retryable(error, 'webhook_unreachable');
      }
      const delivered = status >= 200 && status < 300;
      await deps.webhooks.attempted(
        input.subscription,
        input.event.id,
        { state: delivered ? 'DELIVERED' : 'PENDING', status },
        at,
      );
      if (!delivered)
        throw ApplicationFailure.retryable(`The receiver answered ${status}`, 'webhook_refused');
    },

    /** Retries ran out: the delivery is recorded as failed, and the next event goes out. */
    async webhookDeliveryFailed(input: { subscription: string; eventId: string }): Promise<void> {
      await deps.webhooks.failed(
        input.subscription,
        input.eventId,
        'not delivered within the retry window',
        now(),
      );
    },
  };
}

export type WebhookActivities = ReturnType<typeof createWebhookActivities>;
