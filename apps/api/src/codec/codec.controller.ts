import { Body, Controller, Get, HttpCode, Inject, Options, Post, Query, Req, Res } from '@nestjs/common';
import type { Payload } from '@temporalio/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { sameToken } from '../../../../libs/auth/codec-token';
import type { Config } from '../../../../libs/config/config';
import type { Logger } from '../../../../libs/logging/logger';
import { AesGcmPayloadCodec } from '../../../../libs/temporal/payload-codec';
import { AccessDeniedException } from '../../../../libs/wire/errors';
import { parseInput } from '../../../../libs/wire/validation';
import { CONFIG, LOGGER } from '../tokens';
import { Public } from '../wire/operation.decorator';

export const CODEC_TOKEN = Symbol('CodecToken');
const COOKIE = 'mandate_codec';

const payloads = z.object({
  payloads: z
    .array(z.object({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }))
    .max(1000),
});

type JsonPayload = { metadata?: Record<string, string>; data?: string };

const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: Buffer.from(p.data ?? '', 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? []).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/**
 * The remote codec endpoint for the Temporal UI (`--ui-codec-endpoint <api>/codec`): decodes and
 * encodes payloads for a holder of the codec token, as a bearer token or as the cookie that
 * `GET /codec/session?token=…` sets in the operator's browser. Every use is logged.
 */
@Controller('codec')
export class CodecController {
  constructor(
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(AesGcmPayloadCodec) private readonly codec: AesGcmPayloadCodec,
    @Inject(CODEC_TOKEN) private readonly token: string,
  ) {}

  @Get('session')
  @Public()
  session(@Query('token') token: string | undefined, @Res() reply: FastifyReply) {
    if (!sameToken(token, this.token)) throw new AccessDeniedException('The codec token is not valid');
    // SameSite=Strict still reaches the codec from the UI: same-site ignores ports and subdomains.
    const secure = this.config.http.publicUrl.startsWith('https:') ? '; Secure' : '';
    void reply
      .header(
        'set-cookie',
        `${COOKIE}=${this.token}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=43200${secure}`,
      )
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        '<!doctype html><title>Mandate codec</title><p>This browser may now decode Mandate payloads in the Temporal UI.</p>',
      );
  }

  @Options(['decode', 'encode'])
  @Public()
  preflight(@Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    this.cors(request, reply);
    void reply
      .header('access-control-allow-methods', 'POST')
      .header('access-control-allow-headers', 'content-type, x-namespace, authorization')
      .status(204)
      .send();
  }

  @Post('decode')
  @HttpCode(200)
  @Public()
  async decode(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.run('decode', body, request, reply);
  }

  @Post('encode')
  @HttpCode(200)
  @Public()
  async encode(@Body() body: unknown, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.run('encode', body, request, reply);
  }

  private async run(
    operation: 'decode' | 'encode',
    body: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    this.cors(request, reply);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const cookie = new RegExp(`(?:^|;\\s*)${COOKIE}=([^;]+)`).exec(request.headers.cookie ?? '')?.[1];
    if (!sameToken(bearer ?? cookie, this.token))
      throw new AccessDeniedException('The codec endpoint needs the codec token');
    const input = parseInput(payloads, body);
    const codec = this.codec;
    const result = await codec[operation](input.payloads.map(fromJson));
    this.log.info(
      { operation, count: result.length, namespace: request.headers['x-namespace'] },
      'codec used',
    );
    void reply.header('content-type', 'application/json').send({ payloads: result.map(toJson) });
  }

  private cors(request: FastifyRequest, reply: FastifyReply) {
    const origin = request.headers.origin;
    if (origin && this.config.temporal.uiOrigins.includes(origin)) {
      void reply
        .header('access-control-allow-origin', origin)
        .header('access-control-allow-credentials', 'true')
        .header('vary', 'origin');
    }
  }
}
