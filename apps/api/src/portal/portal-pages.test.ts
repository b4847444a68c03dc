import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionsPage, consentScreen } from './portal-pages';

const HOSTILE = '<img src=x onerror=alert(1)>"\'';
const frame = {
  title: HOSTILE,
  portalName: HOSTILE,
  base: '/portal/people-abcdefghij',
  person: { name: HOSTILE, csrf: 'token"><b>' },
};

describe('portal pages escape everything a workload, provider, caller or IdP may name', () => {
  it('the consent screen', () => {
    const page = consentScreen(frame, {
      sessionId: '00000000-0000-4000-8000-000000000000',
      workloadName: HOSTILE,
      workloadDescription: HOSTILE,
      providerName: HOSTILE,
      vendor: HOSTILE,
      scopes: [{ scope: HOSTILE, description: HOSTILE }, { scope: HOSTILE }],
      resources: [HOSTILE],
      audiences: [HOSTILE],
      requestedBy: HOSTILE,
      expiresAt: new Date(0),
    });
    assert.doesNotMatch(page, /<img/);
    assert.doesNotMatch(page, /<b>/);
    assert.ok(
      page.split('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;').length - 1 >= 13,
      'each of the 13 values is shown, escaped',
    );
    assert.doesNotMatch(page, /<script/i);
  });

  it('my connections', () => {
    const page = connectionsPage(frame, [
      {
        id: HOSTILE,
        workloadName: HOSTILE,
        providerName: HOSTILE,
        scopes: [HOSTILE],
        state: 'NEEDS_CONSENT',
        since: new Date(0),
        canReconnect: true,
      },
    ]);
    assert.doesNotMatch(page, /<img|<b>/);
    assert.match(page, /Needs consent/);
    assert.match(page, /Reconnect/);
  });
});
