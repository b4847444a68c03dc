import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Sends a request signed as the AWS SDK signs it, with hooks to spoil it after signing, for the
 * authentication cases the SDK itself never produces (tampered bodies, raw malformed JSON).
 */
export interface SignOptions {
  url: string;
  path: string;
  body: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region?: string;
  service?: string;
  signingDate?: Date;
  /** Signed and sent; `application/json` when not given, as the AWS SDK sends. */
  contentType?: string;
}

/** The headers the AWS SDK would send for this POST (without `host`), signed with SigV4. */
export async function signedHeaders(options: SignOptions): Promise<Record<string, string>> {
  const url = new URL(options.url);
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'bedrock-agentcore',
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: options.path,
      headers: { host: url.host, 'content-type': options.contentType ?? 'application/json' },
      body: options.body,
    }),
    options.signingDate ? { signingDate: options.signingDate } : {},
  );
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.host;
  return headers;
}

export async function signedFetch(
  options: SignOptions & {
    afterSigning?: (request: { headers: Record<string, string>; body: string }) => void;
  },
): Promise<Response> {
  const request = { headers: await signedHeaders(options), body: options.body };
  options.afterSigning?.(request);
  return fetch(new URL(options.path, options.url), {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
}
