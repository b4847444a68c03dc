import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RedactingSpanProcessor, withoutQuery } from './redacting-span-processor';

/** A processor that keeps what it is handed. */
function collector(): SpanProcessor & { ended: ReadableSpan[] } {
  const ended: ReadableSpan[] = [];
  return {
    ended,
    onStart: () => undefined,
    onEnd: (span) => void ended.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

const span = (attributes: Record<string, string | number>) =>
  ({
    name: 'GET',
    attributes,
    spanContext: () => ({ traceId: 't', spanId: 's', traceFlags: 1 }),
  }) as unknown as ReadableSpan;

describe('RedactingSpanProcessor', () => {
  it('cuts the query from every URL attribute, keeping the path and the span itself', () => {
    const next = collector();
    const processor = new RedactingSpanProcessor([next]);
    const original = span({
      'http.target': '/oauth2/callback?code=secret-code&state=s1',
      'http.url': 'http://127.0.0.1:8088/oauth2/callback?code=secret-code',
      'url.full': 'https://idp.example.com/token',
      'url.query': 'code=secret-code',
      'http.status_code': 302,
    });
    processor.onEnd(original);
    const [redacted] = next.ended;
    assert.deepEqual(redacted!.attributes, {
      'http.target': '/oauth2/callback?(redacted)',
      'http.url': 'http://127.0.0.1:8088/oauth2/callback?(redacted)',
      'url.full': 'https://idp.example.com/token',
      'url.query': '(redacted)',
      'http.status_code': 302,
    });
    assert.equal(redacted!.name, 'GET');
    assert.equal(redacted!.spanContext().spanId, 's');
    assert.equal(original.attributes['http.target'], '/oauth2/callback?code=secret-code&state=s1');
  });

  it('hands on a span without a query as it is', () => {
    const next = collector();
    const plain = span({ 'http.target': '/identities/oauth2/token' });
    new RedactingSpanProcessor([next]).onEnd(plain);
    assert.equal(next.ended[0], plain);
    assert.equal(withoutQuery('/a'), '/a');
  });
});
