import assert from 'node:assert/strict';
import type { TestStack } from './stack';

/** The ARN pattern of a workload identity in any partition, region and account. */
export const workloadArnPattern = (name: string) =>
  `arn:*:bedrock-agentcore:*:*:workload-identity-directory/default/workload-identity/${name}`;

/** The ARN pattern of a credential provider (`apikey` or `oauth2`) in any partition, region and account. */
export const providerArnPattern = (kind: 'apikey' | 'oauth2', name: string) =>
  `arn:*:acps:*:*:token-vault/default/${kind}credentialprovider/${name}`;

/** A policy document allowing `operations` on `resources` (ARN patterns; every resource by default). */
export const allow = (operations: string[], resources: string[] = ['*']) => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: operations.map((op) => `bedrock-agentcore:${op}`), Resource: resources },
  ],
});

/**
 * A principal made as an operator makes one, signed as the admin: CreatePrincipal with its policy,
 * then CreatePrincipalAccessKey. Answers the key to sign with.
 */
export async function createPrincipal(
  test: TestStack,
  name: string,
  policyDocument: unknown,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const created = await test.extension('CreatePrincipal', { name, policyDocument });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const key = await test.extension('CreatePrincipalAccessKey', { name });
  assert.equal(key.status, 201, JSON.stringify(key.body));
  return { accessKeyId: key.body.accessKeyId as string, secretAccessKey: key.body.secretAccessKey as string };
}
