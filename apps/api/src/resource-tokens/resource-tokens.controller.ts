import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../../libs/config/config';
import { PortalSessions } from '../../../../libs/portal/portal-sessions';
import { portalCookies, readCookie, secureCookies } from '../portal/portal-http';
import { CONFIG } from '../tokens';
import { Public } from '../wire/operation.decorator';
import { UserConsent } from './user-consent';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The OAuth callback the IdP redirects the user's browser to. GetResourceOauth2Token and
 * CompleteResourceTokenAuth are data-plane routes (data-plane/data-plane-operations.ts).
 */
@Controller('identities')
export class ResourceTokensController {
  private readonly secureCookies: boolean;

  constructor(
    @Inject(UserConsent) private readonly consent: UserConsent,
    @Inject(PortalSessions) private readonly people: PortalSessions,
    @Inject(CONFIG) config: Config,
  ) {
    this.secureCookies = secureCookies(config.http.publicUrl);
  }

  @Get('oauth2/callback/:callbackId')
  @Public()
  async callback(
    @Param('callbackId') callbackId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    const mark = request.url.indexOf('?');
    // A session that went through a consent portal binds to the person signed in there, in this browser.
    const personOf = async (portalId: string) =>
      (
        await this.people.person(
          portalId,
          readCookie(request, portalCookies(portalId, this.secureCookies).session),
          new Date(),
        )
      )?.userHashes;
    const result = await this.consent.callback(
      callbackId,
      mark < 0 ? '' : request.url.slice(mark + 1),
      personOf,
    );
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
}
