import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { assertOutboundUrl, createOutboundFetch, OutboundUrlRefused } from './outbound-fetch';

const strict = { allowPrivateNetworks: false };
const local = { allowPrivateNetworks: true };

describe('outbound URL guard', () => {
  let server: Server;
  let port = 0;
  before(async () => {
    server = createServer((_req, res) => res.end('{"ok":true}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses non-https, credentials in URLs and non-public literal addresses', () => {
    const refused: [string, RegExp][] = [
      ['http://idp.example.com/.well-known/openid-configuration', /only https/],
      ['ftp://idp.example.com/x', /only https/],
      ['javascript:alert(1)', /only https/],
      ['https://user:pass@idp.example.com/', /credentials/],
      ['https://127.0.0.1/', /not a public address/],
      ['https://[::1]/', /not a public address/],
      ['https://169.254.169.254/latest/meta-data', /not a public address/],
      ['https://[::ffff:169.254.169.254]/', /not a public address/],
      ['https://10.0.0.8/', /not a public address/],
      ['https://192.168.1.1/', /not a public address/],
      ['not a url', /not a valid URL/],
    ];
    for (const [url, reason] of refused) {
      assert.throws(
        () => assertOutboundUrl(url, strict),
        (err: Error) => err instanceof OutboundUrlRefused && reason.test(err.message),
        url,
      );
    }
    assert.equal(
      assertOutboundUrl('https://accounts.google.com/.well-known/openid-configuration', strict).hostname,
      'accounts.google.com',
    );
  });

  it('allows loopback and private networks, plain http included, only when configured', () => {
    assert.equal(assertOutboundUrl('http://127.0.0.1:8080/x', local).port, '8080');
    assert.equal(assertOutboundUrl('http://localhost:8080/x', local).hostname, 'localhost');
    assert.equal(assertOutboundUrl('https://10.0.0.8/x', local).hostname, '10.0.0.8');
    assert.throws(() => assertOutboundUrl('http://idp.example.com/x', local), /only https/);
    assert.throws(
      () => assertOutboundUrl('https://169.254.169.254/', { allowPrivateNetworks: true }),
      /not a public address/,
    );
  });

  it('lets through the allowed private origins only, port included', async () => {
    const demo = { allowPrivateNetworks: false, allowedPrivateOrigins: [`http://localhost:${port}`] };
    assert.equal(assertOutboundUrl(`http://localhost:${port}/x`, demo).port, String(port));
    assert.throws(() => assertOutboundUrl(`http://localhost:${port + 1}/x`, demo), /only https/);
    assert.throws(() => assertOutboundUrl(`http://127.0.0.1:${port}/x`, demo), /only https/);
    assert.throws(() => assertOutboundUrl('https://10.0.0.8/x', demo), /not a public address/);
    const guarded = createOutboundFetch(demo);
    assert.deepEqual(await (await guarded(`http://localhost:${port}/`)).json(), { ok: true });
    await assert.rejects(guarded(`http://127.0.0.1:${port}/`), /only https/);
  });

  it('refuses at connect time a host name that resolves to a loopback address', async () => {
    const guarded = createOutboundFetch(strict);
    await assert.rejects(guarded(`https://localhost:${port}/`), (err: Error) => {
      const text = `${err.message} ${String((err.cause as Error | undefined)?.message)}`;
      return /not a public address/.test(text);
    });
  });

  it('fetches a local server when private networks are allowed, and never follows redirects', async () => {
    const guarded = createOutboundFetch(local);
    const response = await guarded(`http://127.0.0.1:${port}/`);
    assert.deepEqual(await response.json(), { ok: true });
    const redirecting = createServer((_req, res) => {
      res.writeHead(302, { location: 'http://169.254.169.254/' });
      res.end();
    });
    await new Promise<void>((resolve) => redirecting.listen(0, '127.0.0.1', resolve));
    const redirect = await guarded(`http://127.0.0.1:${(redirecting.address() as { port: number }).port}/`);
    assert.equal(redirect.status, 302);
    await new Promise<void>((resolve) => redirecting.close(() => resolve()));
  });
});
