import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { WebhookEvent, WebhookEventData, WebhookEventType } from '../../libs/webhooks/events';
import type { WebhooksRepository } from '../../libs/webhooks/webhooks.repository';
import { webhookDeliveryWorkflow } from '../../workflows/webhook-delivery/webhook-delivery.workflow';
import { webhookDeliveryWorkflowId, webhookEventSignal } from '../../workflows/webhook-delivery/definitions';

/** What activities use to announce a change; the delivery itself is durable and off their path. */
export interface WebhookEmitter {
  emit(type: WebhookEventType, data: WebhookEventData): Promise<void>;
}

/**
 * Queues an event with every subscription that asked for its type: a delivery record, then a
 * signal-with-start to the subscription's delivery workflow. Called from an activity, the event's id
 * is derived from that activity's execution, so a retried activity queues the same event again and
 * the workflow (and receivers) keep it once.
 */
export class TemporalWebhookEmitter implements WebhookEmitter {
  constructor(
    private readonly webhooks: Pick<WebhooksRepository, 'subscribedTo' | 'queued'>,
    private readonly temporal: Client,
    private readonly taskQueue: string,
  ) {}

  async emit(type: WebhookEventType, data: WebhookEventData): Promise<void> {
    const subscriptions = await this.webhooks.subscribedTo(type);
    if (subscriptions.length === 0) return;
    const { info } = Context.current();
    const run = info.workflowExecution;
    const origin = `${run?.workflowId}/${run?.runId}/${info.activityId}/${type}`;
    const at = new Date(info.scheduledTimestampMs);
    // The time first, so ids sort as the events happened; the hash makes them unique and stable.
    const id = `evt_${at.getTime().toString(36).padStart(9, '0')}${createHash('sha256').update(origin).digest('hex').slice(0, 20)}`;
    const event: WebhookEvent = { id, type, timestamp: at.toISOString(), data };
    for (const subscription of subscriptions) {
      await this.webhooks.queued(subscription, event, new Date());
      await this.temporal.workflow.signalWithStart(webhookDeliveryWorkflow, {
        workflowId: webhookDeliveryWorkflowId(subscription),
        taskQueue: this.taskQueue,
        args: [{ subscription }],
        signal: webhookEventSignal,
        signalArgs: [event],
      });
    }
  }
}
