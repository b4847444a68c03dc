import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export interface AwsTarget {
  region: string;
  /**
   * A local endpoint (the local stack's) for Secrets Manager, and for KMS unless `kmsEndpoint` is set;
   * undefined means real AWS and the standard credential chain.
   */
  endpoint?: string;
  /** A local endpoint for KMS alone (the local stack's local-kms); undefined means the same as `endpoint`. */
  kmsEndpoint?: string;
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

/** The target of KMS calls: `kmsEndpoint` where one is set, otherwise the shared endpoint. */
export function kmsTarget(target: AwsTarget): AwsTarget {
  return { region: target.region, endpoint: target.kmsEndpoint ?? target.endpoint };
}

export function createSecretsManagerClient(target: AwsTarget): SecretsManagerClient {
  return new SecretsManagerClient({ ...awsClientOptions(target), maxAttempts: 3 });
}

export function createKmsClient(target: AwsTarget): KMSClient {
  return new KMSClient({ ...awsClientOptions(kmsTarget(target)), maxAttempts: 2 });
}
