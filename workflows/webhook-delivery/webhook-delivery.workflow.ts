import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { WebhookActivities } from '../../activities/webhooks/webhook.activities';
import {
  EVENTS_PER_RUN,
  IDLE_MS,
  webhookDeliveryStatusQuery,
  webhookEventSignal,
  type QueuedWebhookEvent,
  type WebhookDeliveryInput,
  type WebhookDeliveryStatus,
} from './definitions';

// At least 24 hours of retries with exponential backoff: a receiver down for a day gets everything.
const { deliverWebhook } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '25 hours',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});
const { webhookDeliveryFailed } = proxyActivities<WebhookActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * The deliveries of one subscription: events arrive as signals and go out one at a time, in the
 * order they came, each retried until the receiver takes it or a day has passed. A run ends when idle
 * and continues as new after `EVENTS_PER_RUN` events, carrying what is still queued.
 */
export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<WebhookDeliveryStatus> {
  const queue: QueuedWebhookEvent[] = [...(input.pending ?? [])];
  const seen = new Set(queue.map((event) => event.id));
  const status = { delivered: 0, failed: 0 };

  setHandler(webhookEventSignal, (event) => {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    queue.push(event);
  });
  setHandler(webhookDeliveryStatusQuery, (): WebhookDeliveryStatus => ({ ...status, queued: queue.length }));

  let handled = 0;
  for (;;) {
    if (!(await condition(() => queue.length > 0, IDLE_MS))) break;
    const event = queue[0]!;
    try {
      await deliverWebhook({ subscription: input.subscription, event });
      status.delivered += 1;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      status.failed += 1;
      await webhookDeliveryFailed({ subscription: input.subscription, eventId: event.id });
    }
    queue.shift();
    handled += 1;
    if (handled >= EVENTS_PER_RUN) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof webhookDeliveryWorkflow>({
        subscription: input.subscription,
        pending: queue,
      });
    }
  }
  await condition(allHandlersFinished);
  return { ...status, queued: queue.length };
}
