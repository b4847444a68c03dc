import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

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

export function createKmsClient(target: AwsTarget): KMSClient {
  return new KMSClient({ ...awsClientOptions(target), maxAttempts: 2 });
}
