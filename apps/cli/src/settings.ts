import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fromIni, fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { ADMIN_PROFILE } from '../../../libs/auth/bootstrap-admin';
import { cliEnvironment, type CliEnvironment } from '../../../libs/config/cli-environment';

/** What every command connects with: the endpoint, the region, and whose credentials sign. */
export interface Settings {
  endpoint: string;
  region: string;
  credentials: AwsCredentialIdentityProvider;
  output: 'table' | 'json';
}

export interface GlobalOptions {
  endpointUrl?: string;
  region?: string;
  profile?: string;
  output?: string;
}

/**
 * Resolves settings as the AWS CLI does, with the local stack's defaults last: `--endpoint-url`,
 * else `MANDATE_ENDPOINT`, `AWS_ENDPOINT_URL_BEDROCK_AGENTCORE_CONTROL`, `AWS_ENDPOINT_URL`, else
 * `npm start`'s address; `--region`, else `AWS_REGION`, `AWS_DEFAULT_REGION`, else us-east-1.
 * Credentials: `--profile` (shared files), else the SDK's chain when the environment names any
 * (keys, `AWS_PROFILE`, web identity, shared files), else the admin credentials `npm start` wrote.
 */
export function resolveSettings(options: GlobalOptions, env: CliEnvironment = cliEnvironment()): Settings {
  const endpoint = options.endpointUrl ?? env.endpoint ?? `http://127.0.0.1:${env.port ?? '8088'}`;
  const region = options.region ?? env.region ?? 'us-east-1';
  const output = options.output ?? env.output ?? 'table';
  if (output !== 'table' && output !== 'json')
    throw new Error(`--output must be table or json, not ${output}`);
  return { endpoint, region, credentials: credentialsFrom(options.profile, env), output };
}

function credentialsFrom(profile: string | undefined, env: CliEnvironment): AwsCredentialIdentityProvider {
  if (profile) return fromIni({ profile });
  if (env.namesCredentials) return fromNodeProviderChain();
  const adminFile = resolve(env.dataDir ?? '.mandate', 'admin-credentials');
  if (existsSync(adminFile)) return fromIni({ filepath: adminFile, profile: ADMIN_PROFILE });
  return fromNodeProviderChain();
}
