import type { SecretSource } from '../db/schema';
import type { StoredSecret } from '../secrets/secret-store';

/** Where a credential provider's secret lives, as both provider tables store it. */
export const secretColumns = (secret: StoredSecret) => ({
  secret_arn: secret.ref.arn,
  secret_json_key: secret.ref.jsonKey,
  secret_source: secret.source,
});

export const storedSecret = (row: {
  secret_arn: string;
  secret_json_key: string;
  secret_source: SecretSource;
}): StoredSecret => ({
  source: row.secret_source,
  ref: { arn: row.secret_arn, jsonKey: row.secret_json_key },
});
