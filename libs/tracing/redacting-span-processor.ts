import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';

/** Attributes that may carry a URL's query (an OAuth callback's `code` and `state`). */
const URL_ATTRIBUTES = ['http.url', 'http.target', 'url.full', 'url.query'];

/** A URL attribute without its query string: what is left names the endpoint, never a parameter. */
export function withoutQuery(value: string): string {
  const at = value.indexOf('?');
  return at < 0 ? value : `${value.slice(0, at)}?(redacted)`;
}

/**
 * Hands spans to the exporters' processors with every query string cut from their URL attributes:
 * instrumentations record the full URL, and an OAuth callback's carries the authorization code.
 * Mandate sets no other attribute that could hold a secret (references only).
 */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: readonly SpanProcessor[]) {}

  onStart(span: Span, parentContext: Context): void {
    for (const processor of this.next) processor.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const redacted = redact(span);
    for (const processor of this.next) processor.onEnd(redacted);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.next.map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.next.map((processor) => processor.shutdown()));
  }
}

function redact(span: ReadableSpan): ReadableSpan {
  const found = URL_ATTRIBUTES.filter((key) => {
    const value = span.attributes[key];
    return typeof value === 'string' && value !== '' && (key === 'url.query' || value.includes('?'));
  });
  if (found.length === 0) return span;
  const attributes = { ...span.attributes };
  for (const key of found) {
    attributes[key] = key === 'url.query' ? '(redacted)' : withoutQuery(attributes[key] as string);
  }
  // The ended span is read-only: exporters get a view of it with the cleaned attributes.
  return Object.create(span, { attributes: { value: attributes } }) as ReadableSpan;
}
