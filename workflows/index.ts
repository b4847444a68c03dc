/**
 * The one bundle entry of the worker: every workflow Mandate runs is re-exported here. Workflow code
 * is deterministic and imports only `@temporalio/workflow`, its own definitions, activity types and
 * `@opentelemetry/api` (the trace context of a request, never I/O).
 */
export { authorizationSessionWorkflow } from './authorization-session/authorization-session.workflow';
export { connectionLifecycleWorkflow } from './connection-lifecycle/connection-lifecycle.workflow';
export { secretWatchWorkflow } from './secret-watch/secret-watch.workflow';
export { approvalWorkflow } from './release-approval/release-approval.workflow';
export { webhookDeliveryWorkflow } from './webhook-delivery/webhook-delivery.workflow';
