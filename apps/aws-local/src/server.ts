import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsJsonError, type Input } from './errors';
import { KmsService, type KmsState } from './kms';
import { SecretsManagerService, type SecretsState } from './secrets-manager';
import { JsonStore } from './store';

export interface LocalAws {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * A local endpoint for the Secrets Manager and KMS operations Mandate uses, speaking the AWS JSON 1.1
 * protocol, so the official AWS SDK clients work against it unchanged. It serves the local stack
 * where the kumo emulator is not installed.
 *
 * @example
 * const aws = await startLocalAws({ port: 4566, stateFile: '.mandate/aws-local.json' });
 * new SecretsManagerClient({ endpoint: aws.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
 */
export async function startLocalAws(options: {
  port: number;
  host?: string;
  stateFile?: string;
  partition?: string;
  region?: string;
  accountId?: string;
}): Promise<LocalAws> {
  const scope = {
    partition: options.partition ?? 'aws',
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '000000000000',
  };
  const store = new JsonStore<{ secretsManager: SecretsState; kms: KmsState }>(options.stateFile, () => ({
    secretsManager: { secrets: [] },
    kms: { keys: [], aliases: {} },
  }));
  const services: Record<string, { handle(operation: string, input: Input): unknown }> = {
    secretsmanager: new SecretsManagerService(store, scope),
    TrentService: new KmsService(store, scope),
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      try {
        const [prefix = '', operation = ''] = String(req.headers['x-amz-target'] ?? '').split('.');
        const service = services[prefix];
        if (req.method !== 'POST' || !service) {
          throw new AwsJsonError('UnknownOperationException', 'Expected a POST with an X-Amz-Target header');
        }
        const text = Buffer.concat(chunks).toString('utf8');
        const input = (text ? JSON.parse(text) : {}) as Input;
        reply(200, service.handle(operation, input) ?? {});
      } catch (err) {
        if (err instanceof AwsJsonError) reply(err.status, { __type: err.type, message: err.message });
        else if (err instanceof SyntaxError)
          reply(400, { __type: 'SerializationException', message: 'Malformed JSON' });
        else reply(500, { __type: 'InternalFailure', message: 'Internal failure' });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
