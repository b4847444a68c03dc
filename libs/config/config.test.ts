import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kmsTarget } from '../aws/clients';
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

  it('sends KMS to its own endpoint only when one is set', () => {
    const local = loadConfig({});
    assert.equal(local.aws.kmsEndpoint, undefined);
    assert.deepEqual([local.aws.localPort, local.aws.localKmsPort], [4566, 4599]);

    const shared = loadConfig({ MANDATE_AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' });
    assert.equal(
      kmsTarget(shared.aws).endpoint,
      'http://127.0.0.1:4566',
      'one endpoint serves both, as before',
    );

    const split = loadConfig({
      MANDATE_AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      MANDATE_AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:4599',
    });
    assert.equal(split.aws.endpoint, 'http://127.0.0.1:4566');
    assert.equal(kmsTarget(split.aws).endpoint, 'http://127.0.0.1:4599');

    assert.throws(
      () => loadConfig({ MANDATE_AWS_ENDPOINT_URL_KMS: 'kms.local', MANDATE_LOCAL_KMS_PORT: '0' }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.startsWith('MANDATE_AWS_ENDPOINT_URL_KMS:')) &&
        err.problems.some((p) => p.startsWith('MANDATE_LOCAL_KMS_PORT:')),
    );
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

  it('turns traces on only when OpenTelemetry variables name where to send them', () => {
    const tracing = (env: Record<string, string>) => loadConfig(env).tracing.enabled;
    assert.equal(tracing({}), false);
    assert.equal(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), true);
    assert.equal(tracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }), true);
    assert.equal(tracing({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(
      tracing({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
      false,
    );
    assert.equal(tracing({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }), false);
    assert.equal(loadConfig({}).tracing.serviceName, 'mandate');
    assert.throws(
      () => loadConfig({ OTEL_TRACES_EXPORTER: 'jaegr' }),
      (err: unknown) =>
        err instanceof ConfigError && err.problems.some((p) => p.startsWith('OTEL_TRACES_EXPORTER')),
    );
  });

  it('treats empty variables as unset', () => {
    assert.equal(loadConfig({ MANDATE_PORT: '', DATABASE_URL: '' }).http.port, 8088);
  });
});
