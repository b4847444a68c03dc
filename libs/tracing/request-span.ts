import { trace } from '@opentelemetry/api';

/** Names the current request's span after the operation it serves (nothing when traces are off). */
export function nameRequestSpan(operation: string): void {
  const span = trace.getActiveSpan();
  if (!span) return;
  span.updateName(operation);
  span.setAttribute('mandate.operation', operation);
}
