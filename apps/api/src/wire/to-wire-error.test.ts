import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HttpException } from '@nestjs/common';
import { JwtRejectedError, type JwtRejection } from '../../../../libs/auth/jwt-authorizer';
import { WatRejectedError, type WatRejection } from '../../../../libs/auth/workload-access-token';
import { OAuthError, type OAuthProblem } from '../../../../libs/oauth/oauth-client';
import { SecretError, type SecretProblem } from '../../../../libs/secrets/secret-store';
import { VaultDecryptionError, type VaultDecryptionProblem } from '../../../../libs/vault/envelope';
import { VaultKeyUnavailableError } from '../../../../libs/vault/kms-key-encryption-key';
import { type ValidationException, type WireError } from '../../../../libs/wire/errors';
import { toWireError } from './to-wire-error';

const GENERIC = 'The service encountered an internal error. Try again later.';
const wire = (err: unknown) => {
  const out: WireError = toWireError(err);
  return { status: out.status, type: out.type, body: out.body() };
};

// Records keyed by each family's code union: a code added to a family without a mapping here fails to compile.
const JWT: Record<JwtRejection, string> = {
  malformed: 'UnauthorizedException',
  unknown_key: 'UnauthorizedException',
  signature: 'UnauthorizedException',
  algorithm: 'UnauthorizedException',
  missing_claim: 'UnauthorizedException',
  expired: 'UnauthorizedException',
  not_yet_valid: 'UnauthorizedException',
  issuer: 'UnauthorizedException',
  audience: 'UnauthorizedException',
  client: 'UnauthorizedException',
  scope: 'UnauthorizedException',
  custom_claim: 'UnauthorizedException',
  issuer_unavailable: 'InternalServerException',
};
const WAT: Record<WatRejection, string> = {
  malformed: 'AccessDeniedException',
  unknown_key: 'AccessDeniedException',
  expired: 'AccessDeniedException',
  invalid: 'AccessDeniedException',
  wrong_workload: 'AccessDeniedException',
  wrong_user: 'AccessDeniedException',
};
const VAULT: Record<VaultDecryptionProblem, string> = {
  unknown_format: 'DecryptionFailure',
  unknown_key: 'DecryptionFailure',
  failed_authentication: 'DecryptionFailure',
};
const OAUTH: Record<OAuthProblem, string> = {
  discovery_failed: 'InternalServerException',
  no_access_token: 'InternalServerException',
  no_id_token: 'InternalServerException',
};

describe('the error funnel maps every error family by its code', () => {
  it('JWT and workload access token rejections', () => {
    for (const [code, type] of Object.entries(JWT))
      assert.equal(wire(new JwtRejectedError(code as JwtRejection, `jwt ${code}`)).type, type, code);
    for (const [code, type] of Object.entries(WAT))
      assert.equal(wire(new WatRejectedError(code as WatRejection, `wat ${code}`)).type, type, code);
  });

  it('vault decryption failures are DecryptionFailure (400) and name no record', () => {
    for (const [code, type] of Object.entries(VAULT)) {
      const out = wire(new VaultDecryptionError(code as VaultDecryptionProblem, 'record connection:abc'));
      assert.deepEqual(
        out,
        { status: 400, type, body: { message: 'A value in the token vault could not be decrypted' } },
        code,
      );
    }
  });

  it('an unusable vault key is EncryptionFailure or DecryptionFailure', () => {
    assert.equal(wire(new VaultKeyUnavailableError('kms:k', 'wrap')).type, 'EncryptionFailure');
    assert.equal(wire(new VaultKeyUnavailableError('kms:k', 'unwrap')).type, 'DecryptionFailure');
  });

  it('OAuth provider failures are retryable internal errors with their own message', () => {
    for (const [code, type] of Object.entries(OAUTH)) {
      const out = wire(new OAuthError(code as OAuthProblem, `provider p: ${code}`));
      assert.equal(out.type, type);
      assert.equal(out.body.message, `provider p: ${code}`);
    }
  });

  it('a secret named by a request field is a ValidationException on that field', () => {
    const field = { field: 'apiKeySecretConfig' };
    const byCode: Record<SecretProblem, { status: number; field?: string }> = {
      not_found: { status: 400, field: 'apiKeySecretConfig.secretId' },
      not_readable: { status: 400, field: 'apiKeySecretConfig.secretId' },
      other_region: { status: 400, field: 'apiKeySecretConfig.secretId' },
      malformed_arn: { status: 400, field: 'apiKeySecretConfig.secretId' },
      not_json: { status: 400, field: 'apiKeySecretConfig.jsonKey' },
      key_missing: { status: 400, field: 'apiKeySecretConfig.jsonKey' },
      unavailable: { status: 500 },
    };
    for (const [code, expected] of Object.entries(byCode)) {
      const err = SecretError.for(new SecretError(code as SecretProblem, 'does not exist'), field);
      const out = toWireError(err);
      assert.equal(out.status, expected.status, code);
      if (expected.field)
        assert.deepEqual(
          (out as ValidationException).fieldList.map((f) => f.name),
          [expected.field],
          code,
        );
      else assert.equal(out.body().message, 'Secrets Manager could not be reached; try again');
    }
  });

  it("a secret met at use names the credential provider, never the secret's value", () => {
    const at = (code: SecretProblem) =>
      wire(
        SecretError.for(new SecretError(code, 'has no string value under the JSON key k'), {
          provider: 'crm',
        }),
      );
    assert.deepEqual(at('not_found'), {
      status: 404,
      type: 'ResourceNotFoundException',
      body: { message: 'The secret of credential provider crm does not exist' },
    });
    assert.deepEqual(at('key_missing'), {
      status: 500,
      type: 'InternalServerException',
      body: {
        message:
          'The secret of credential provider crm cannot be used: it has no string value under the JSON key k',
      },
    });
  });

  it('framework errors are shaped; anything unknown is a generic InternalServerException', () => {
    assert.equal(wire(new HttpException('nope', 404)).type, 'UnknownOperationException');
    assert.equal(wire(new HttpException('big', 413)).type, 'ValidationException');
    assert.equal(wire(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })).status, 400);
    assert.deepEqual(wire(new Error('secret detail')).body, { message: GENERIC });
    assert.deepEqual(wire(null).body, { message: GENERIC });
    assert.deepEqual(wire('a string').body, { message: GENERIC });
  });
});
