import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Settings } from './settings';

/** An error Mandate answered with: the AWS error name and its message. */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Mandate's API, signed with SigV4 as the AWS SDKs sign: the AgentCore REST paths and the
 * extension operations at `POST /identities/<Operation>`. Answers the JSON body (or `{}`).
 */
export class MandateClient {
  constructor(private readonly settings: Settings) {}

  operation(name: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.request('POST', `/identities/${name}`, body);
  }

  async request(
    method: string,
    path: string,
    body?: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const url = new URL(this.settings.endpoint);
    const text = body === undefined ? undefined : JSON.stringify(body);
    const signer = new SignatureV4({
      credentials: this.settings.credentials,
      region: this.settings.region,
      service: 'bedrock-agentcore',
      sha256: Hash.bind(null, 'sha256'),
    });
    const signed = await signer.sign(
      new HttpRequest({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path,
        headers: { host: url.host, ...(text !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(text !== undefined ? { body: text } : {}),
      }),
    );
    const headers = { ...(signed.headers as Record<string, string>) };
    delete headers.host;
    let response: Response;
    try {
      response = await fetch(new URL(path, url), {
        method,
        headers,
        ...(text !== undefined ? { body: text } : {}),
      });
    } catch (err) {
      throw new ServiceError(
        'EndpointConnectionError',
        `Could not connect to the endpoint URL: "${url.origin}" (${(err as Error).message})`,
        0,
      );
    }
    const answer = await response.text();
    const parsed = answer ? (safeJson(answer) as Record<string, unknown> | undefined) : {};
    if (!response.ok) {
      const type = response.headers.get('x-amzn-errortype')?.split(':')[0] ?? `HTTP ${response.status}`;
      const message =
        typeof parsed?.message === 'string' ? parsed.message : (parsed?.Message as string | undefined);
      throw new ServiceError(type, message ?? answer.slice(0, 200), response.status);
    }
    return parsed ?? {};
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
