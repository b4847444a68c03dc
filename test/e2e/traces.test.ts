import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { SpanKind } from '@opentelemetry/api';
import { ConnectionsRepository } from '../../libs/vault/connections.repository';
import { startTracing } from '../../libs/tracing/tracing';
import { askToken, consentAs, expireStoredToken, registerAgentAndIdp } from '../helpers/consent-flow';
import type { TestIdp } from '../helpers/oidc-idp';
import { startTestStack, testStackEnv, type TestStack } from '../helpers/stack';
import {
  connectionLifecycleWorkflowId,
  lifecycleStatusQuery,
} from '../../workflows/connection-lifecycle/definitions';

const exporter = new InMemorySpanExporter();

/**
 * Every span of the trace `traceId`, and a check that each one's parent is in it (one tree). A parent
 * ends after its children (a workflow task's span after the activity it scheduled), so the trace is
 * read once no finished span waits for its parent, or after 15 s.
 */
async function traceOf(traceId: string): Promise<ReadableSpan[]> {
  const spansOf = () => exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
  const waiting = (spans: ReadableSpan[]) => {
    const ended = new Set(spans.map((span) => span.spanContext().spanId));
    return spans.some((span) => span.parentSpanId && !ended.has(span.parentSpanId));
  };
  const deadline = Date.now() + 15_000;
  let spans = spansOf();
  while (waiting(spans) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    spans = spansOf();
  }

  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const roots = spans.filter((span) => !span.parentSpanId);
  assert.equal(roots.length, 1, `one root: ${roots.map((r) => r.name).join(', ')}`);
  for (const span of spans)
    if (span.parentSpanId)
      assert.ok(
        ids.has(span.parentSpanId),
        `${span.name} hangs off the trace (parent ${span.parentSpanId}; spans: ${spans
          .map((s) => `${s.name} ${s.spanContext().spanId}<${s.parentSpanId ?? ''}`)
          .join(', ')})`,
      );
  return spans;
}

/** Whether `span` descends from `ancestor` within `spans`. */
function under(spans: ReadableSpan[], span: ReadableSpan, ancestor: ReadableSpan): boolean {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  for (let at = span.parentSpanId; at; at = byId.get(at)?.parentSpanId)
    if (at === ancestor.spanContext().spanId) return true;
  return false;
}

const named = (spans: ReadableSpan[], name: string) => {
  const found = spans.filter((span) => span.name === name);
  assert.equal(found.length, 1, `one ${name} in ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
};

/** Client spans of `spans` to a URL under `prefix`. */
const callsTo = (spans: ReadableSpan[], prefix: string) =>
  spans.filter(
    (span) =>
      span.kind === SpanKind.CLIENT &&
      String(span.attributes['url.full'] ?? span.attributes['http.url'] ?? '').startsWith(prefix),
  );

/** Waits for the spans the worker exports after the API answered (workflow spans end with their task). */
async function until(found: () => ReadableSpan | undefined): Promise<ReadableSpan> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const span = found();
    if (span || Date.now() > deadline) return span!;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('traces: one trace from the request through Temporal to the IdP and Secrets Manager', () => {
  let test: TestStack;
  let idp: TestIdp;
  let awsUrl: string;

  before(async () => {
    // The in-memory exporter stands in for OTLP; the rest is what OTEL_* turns on.
    await startTracing(
      { enabled: true, serviceName: 'mandate-test' },
      {
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      },
    );
    const env = await testStackEnv({
      MANDATE_ALLOW_PRIVATE_NETWORK_URLS: 'true',
      // Every client-secret read reaches Secrets Manager, so the trace shows it.
      MANDATE_SECRET_CACHE_TTL_SECONDS: '0',
    });
    awsUrl = `http://127.0.0.1:${env.MANDATE_LOCAL_AWS_PORT}`;
    test = await startTestStack(env);
    idp = await registerAgentAndIdp(test);
  });
  after(async () => {
    await test?.destroy();
    await idp?.stop();
  });

  it('follows a consent completion from CompleteResourceTokenAuth to the code redemption at the IdP', async () => {
    const { token, wat } = await consentAs(test, idp, 'trace-alice', ['read']);
    const redeemed = await until(() =>
      exporter.getFinishedSpans().find((span) => span.name === 'RunActivity:redeemCode'),
    );
    assert.ok(redeemed, 'the redemption activity was traced');
    const spans = await traceOf(redeemed.spanContext().traceId);
    // The root is the test's own SDK call (this process is the agent too); the API's span serves it.
    const request = named(spans, 'CompleteResourceTokenAuth');
    assert.equal(request.kind, SpanKind.SERVER);
    const update = named(spans, 'HandleUpdate:completeUpdate');
    assert.ok(under(spans, update, request), 'the workflow update runs in the request’s trace');
    assert.ok(under(spans, redeemed, update), 'the redemption runs for the update');
    const tokenCalls = callsTo(spans, `${idp.issuer}/token`);
    assert.equal(tokenCalls.length, 1, 'one code exchange at the IdP');
    assert.ok(under(spans, tokenCalls[0]!, redeemed));
    const secretReads = callsTo(spans, awsUrl);
    assert.ok(secretReads.length >= 1, 'the client secret was read from Secrets Manager');
    assert.ok(secretReads.every((read) => under(spans, read, redeemed)));

    // The callback's URL carried the code: its span keeps the path only.
    const callback = exporter
      .getFinishedSpans()
      .find(
        (span) =>
          span.kind === SpanKind.SERVER && String(span.attributes['http.target']).includes('callback'),
      );
    assert.ok(callback, 'the OAuth callback was traced');
    assert.match(String(callback.attributes['http.target']), /\?\(redacted\)$/);
    await assertNoSecret([token, wat, idp.clientSecret]);
  });

  it('follows a refresh from GetResourceOauth2Token through the lifecycle’s update to the IdP', async () => {
    const { wat, id } = await consentAs(test, idp, 'trace-bob', ['read']);
    // The lifecycle the consent handed off to reads the vault as it starts, in the consent's trace:
    // under load that could still be going on, so the refresh is asked for once it knows the expiry.
    const lifecycle = test.stack.runtime.temporal.workflow.getHandle(connectionLifecycleWorkflowId(id));
    let settled = false;
    for (const at = Date.now(); !settled && Date.now() - at < 15_000;) {
      // Not found until the hand-off has started it; unanswered until the worker took its first task.
      settled = await lifecycle.query(lifecycleStatusQuery).then(
        (status) => status.state === 'ACTIVE' && status.expiresAt !== undefined,
        () => false,
      );
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(settled, 'the lifecycle knows the expiry of the consented tokens');
    await expireStoredToken(test, id);
    const before = new Set(exporter.getFinishedSpans());
    const renewed = (await askToken(test, wat, ['read'])).accessToken!;
    const refreshed = await until(() =>
      exporter
        .getFinishedSpans()
        .find((span) => !before.has(span) && span.name === 'RunActivity:refreshConnection'),
    );
    assert.ok(refreshed, 'the refresh activity was traced');
    const spans = await traceOf(refreshed.spanContext().traceId);
    const request = named(spans, 'GetResourceOauth2Token');
    assert.equal(request.kind, SpanKind.SERVER);
    const update = named(spans, 'HandleUpdate:refreshUpdate');
    assert.ok(under(spans, update, request));
    assert.ok(under(spans, refreshed, request), 'the refresh runs in the asking request’s trace');
    const tokenCalls = callsTo(spans, `${idp.issuer}/token`);
    assert.equal(tokenCalls.length, 1, 'one refresh at the IdP');
    assert.ok(under(spans, tokenCalls[0]!, refreshed));
    assert.ok(callsTo(spans, awsUrl).some((read) => under(spans, read, refreshed)));

    const stored = (await new ConnectionsRepository(test.stack.runtime.db, test.stack.runtime.envelope).read(
      id,
    ))!;
    await assertNoSecret([renewed, wat, stored.tokens.refreshToken!, idp.clientSecret]);
  });

  /** No span name, attribute or event of the whole run holds a secret of the test. */
  async function assertNoSecret(secrets: string[]) {
    await test.stack.runtime.tracing!.flush();
    const text = JSON.stringify(
      exporter.getFinishedSpans().map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        status: span.status,
      })),
    );
    for (const secret of [...secrets, test.adminCredentials().secretAccessKey])
      assert.ok(!text.includes(secret), 'a secret reached a span');
    assert.doesNotMatch(text, /[?&]code=/, 'no authorization code');
  }
});
