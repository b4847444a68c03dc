import { ListSecretsCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/**
 * Resolves when Secrets Manager answers. Any answer from the service, a refusal included, proves it
 * is reachable; only a network failure or the timeout counts as down.
 */
export async function pingSecretsManager(client: SecretsManagerClient, timeoutMs = 2_000): Promise<void> {
  try {
    await client.send(new ListSecretsCommand({ MaxResults: 1 }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined && status < 500) return;
    throw err;
  }
}
