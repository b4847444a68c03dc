import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ALLOW_ALL } from './iam-policy';
import type { PrincipalsRepository } from './principals.repository';

export const ADMIN_PRINCIPAL = 'admin';
/** The profile name in the credentials file, for `AWS_PROFILE`. */
export const ADMIN_PROFILE = 'mandate-admin';

export interface AdminCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Makes sure the admin principal exists. Credentials from the environment win; otherwise the
 * credentials file of the data folder is reused; otherwise new ones are generated and written there,
 * readable by the owner only, in the AWS shared-credentials format so that
 * `AWS_SHARED_CREDENTIALS_FILE=<file> AWS_PROFILE=mandate-admin` works with any AWS tool.
 *
 * @returns where the credentials came from, for the start-up message
 */
export async function bootstrapAdmin(
  principals: PrincipalsRepository,
  options: { fromEnvironment?: AdminCredentials; credentialsFile: string },
): Promise<{ source: 'environment' | 'file' | 'generated'; accessKeyId: string }> {
  // An ordinary principal that starts allowed everything; an operator may narrow its policy later,
  // which a restart keeps.
  const now = new Date();
  await principals.insert({
    name: ADMIN_PRINCIPAL,
    policyDocument: ALLOW_ALL,
    description: 'The bootstrap administrator',
    tags: {},
    createdAt: now,
    updatedAt: now,
  });
  if (options.fromEnvironment) {
    await principals.putKey(ADMIN_PRINCIPAL, options.fromEnvironment);
    return { source: 'environment', accessKeyId: options.fromEnvironment.accessKeyId };
  }
  const existing = existsSync(options.credentialsFile)
    ? readCredentialsFile(options.credentialsFile)
    : undefined;
  if (existing) {
    const stored = await principals.findByAccessKey(existing.accessKeyId);
    if (!stored || stored.secretAccessKey !== existing.secretAccessKey) {
      await principals.putKey(ADMIN_PRINCIPAL, existing);
    }
    return { source: 'file', accessKeyId: existing.accessKeyId };
  }
  const generated = newAccessKey();
  await principals.putKey(ADMIN_PRINCIPAL, generated);
  writeCredentialsFile(options.credentialsFile, generated);
  return { source: 'generated', accessKeyId: generated.accessKeyId };
}

/** A new access key: an id in AWS's shape (prefix MDAK) and a 240-bit secret. */
export function newAccessKey(): AdminCredentials {
  return {
    accessKeyId: `MDAK${randomBytes(10).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64url'),
  };
}

export function readCredentialsFile(path: string): AdminCredentials | undefined {
  const text = readFileSync(path, 'utf8');
  const accessKeyId = /^aws_access_key_id\s*=\s*(\S+)/m.exec(text)?.[1];
  const secretAccessKey = /^aws_secret_access_key\s*=\s*(\S+)/m.exec(text)?.[1];
  return accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined;
}

function writeCredentialsFile(path: string, credentials: AdminCredentials): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(
    path,
    [
      `[${ADMIN_PROFILE}]`,
      `aws_access_key_id = ${credentials.accessKeyId}`,
      `aws_secret_access_key = ${credentials.secretAccessKey}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
}
