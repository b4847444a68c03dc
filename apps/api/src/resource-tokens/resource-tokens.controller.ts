import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { InternalServerException } from '../../../../libs/wire/errors';
import { parseInput } from '../../../../libs/wire/validation';
import {
  named,
  Operation,
  Public,
  stringField,
  stringsField,
  userContext,
} from '../wire/operation.decorator';
import { completeResourceTokenAuthInput, getResourceOauth2TokenInput } from './resource-tokens.schemas';
import { ResourceTokensService } from './resource-tokens.service';
import { UserConsent } from './user-consent';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** GetResourceOauth2Token, the OAuth callback, and CompleteResourceTokenAuth. */
@Controller('identities')
export class ResourceTokensController {
  constructor(
    @Inject(ResourceTokensService) private readonly service: ResourceTokensService,
    @Inject(UserConsent) private readonly consent: UserConsent,
  ) {}

  @Post('oauth2/token')
  @HttpCode(200)
  @Operation('GetResourceOauth2Token', {
    watField: 'workloadIdentityToken',
    resources: named('oauth2', 'resourceCredentialProviderName'),
    context: (request, wat) => ({
      ...userContext(wat),
      'bedrock-agentcore:OAuth2Flow': stringField(request, 'oauth2Flow'),
      'bedrock-agentcore:Scopes': stringsField(request, 'scopes'),
    }),
  })
  token(@Body() body: unknown, @Req() request: FastifyRequest) {
    if (!request.wat) throw new InternalServerException('The workload access token was not verified');
    return this.service.token(request.wat, parseInput(getResourceOauth2TokenInput, body));
  }

  @Get('oauth2/callback/:callbackId')
  @Public()
  async callback(
    @Param('callbackId') callbackId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const mark = request.url.indexOf('?');
    const result = await this.consent.callback(callbackId, mark < 0 ? '' : request.url.slice(mark + 1));
    // The redirect URL carries no secret; the page and headers forbid caching and framing either way.
    void reply
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer');
    if ('redirect' in result) return reply.redirect(result.redirect, 302);
    return reply
      .status(result.status)
      .header('content-type', 'text/html; charset=utf-8')
      .send(
        `<!doctype html><title>Authorization failed</title><h1>Authorization failed</h1><p>${escapeHtml(result.error)}</p>`,
      );
  }

  @Post('CompleteResourceTokenAuth')
  @HttpCode(200)
  @Operation('CompleteResourceTokenAuth', { authorizedByHandler: true })
  complete(@Body() body: unknown, @Req() request: FastifyRequest) {
    const input = parseInput(completeResourceTokenAuthInput, body);
    if (!request.principal) throw new InternalServerException('The caller was not authenticated');
    return this.consent.complete(request.principal, input.sessionUri, input.userIdentifier);
  }
}
