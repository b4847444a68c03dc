import { defineQuery, defineSignal } from '@temporalio/workflow';

/** An event as the workflow queues it: an id, a type, a time and references (never a secret). */
export interface QueuedWebhookEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface WebhookDeliveryInput {
  subscription: string;
  /** Events not yet delivered when the previous run continued as new, in order. */
  pending?: QueuedWebhookEvent[];
}

export interface WebhookDeliveryStatus {
  queued: number;
  delivered: number;
  failed: number;
}

/** An event for the subscription; one with an id already queued is dropped. */
export const webhookEventSignal = defineSignal<[QueuedWebhookEvent]>('webhookEventSignal');
export const webhookDeliveryStatusQuery = defineQuery<WebhookDeliveryStatus>('webhookDeliveryStatusQuery');

/** One delivery workflow per subscription: its events go out one at a time, in order. */
export const webhookDeliveryWorkflowId = (subscription: string) => `webhook:${subscription}`;

/** Events a run delivers before it continues as new, keeping its history short. */
export const EVENTS_PER_RUN = 100;
/** How long a run waits for another event before it ends (the next event starts it again). */
export const IDLE_MS = 10 * 60 * 1000;
