import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface AwsTarget {
  region: string;
  /** A local endpoint (the local stack's); undefined means real AWS and the standard credential chain. */
  endpoint?: string;
}

/**
 * Client options for an AWS service: the region, and for a local endpoint fixed local credentials
 * (local emulators accept any; real AWS goes through the standard credential chain).
 */
export function awsClientOptions(target: AwsTarget) {
  return target.endpoint
    ? {
        region: target.region,
        endpoint: target.endpoint,
        credentials: { accessKeyId: 'mandate-local', secretAccessKey: 'mandate-local' },
      }
    : { region: target.region };
}

export function createSecretsManagerClient(target: AwsTarget): SecretsManagerClient {
  return new SecretsManagerClient({ ...awsClientOptions(target), maxAttempts: 3 });
}

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
