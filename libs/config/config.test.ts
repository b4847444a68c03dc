import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.http.port, 8088);
    assert.equal(config.database.kind, 'pglite');
    assert.equal(config.temporal.address, undefined);
    assert.equal(config.aws.endpoint, undefined);
    assert.deepEqual(config.deployment, { partition: 'aws', region: 'us-east-1', accountId: '000000000000' });
  });

  it('switches to production parts by environment', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://mandate@db:5432/mandate',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'prod',
      TEMPORAL_API_KEY: 'key',
      AWS_REGION: 'eu-west-1',
    });
    assert.deepEqual(config.database, { kind: 'postgres', url: 'postgres://mandate@db:5432/mandate' });
    assert.equal(config.temporal.address, 'temporal:7233');
    assert.equal(config.temporal.tls, true, 'an API key implies TLS');
    assert.equal(config.aws.region, 'eu-west-1');
  });

  it('lists every bad variable at once', () => {
    assert.throws(
      () =>
        loadConfig({
          MANDATE_PORT: '99999',
          MANDATE_ACCOUNT_ID: '12',
          DATABASE_URL: 'mysql://nope',
          TEMPORAL_TLS: 'maybe',
          MANDATE_ADMIN_ACCESS_KEY_ID: 'MDAKONLYTHEID00000',
        }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        const named = err.problems.map((p) => p.split(':')[0]);
        assert.deepEqual(named.sort(), [
          'DATABASE_URL',
          'MANDATE_ACCOUNT_ID',
          'MANDATE_ADMIN_SECRET_ACCESS_KEY',
          'MANDATE_PORT',
          'TEMPORAL_TLS',
        ]);
        return true;
      },
    );
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ MANDATE_PORT: '', DATABASE_URL: '' }).http.port, 8088);
  });
});
