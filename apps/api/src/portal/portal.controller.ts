import { Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../../../libs/config/config';
import type { Logger } from '../../../../libs/logging/logger';
import type { ConsentPortal } from '../../../../libs/portal/consent-portals.repository';
import type { PortalPerson } from '../../../../libs/portal/portal-sessions';
import { CONFIG, LOGGER } from '../tokens';
import { Public } from '../wire/operation.decorator';
import { cookie, portalCookies, readCookie, sameOrigin, secureCookies, securityHeaders } from './portal-http';
import { connectionsPage, consentScreen, messagePage, type PageFrame } from './portal-pages';
import { PORTAL_CSS } from './portal-styles';
import { PortalProblem, PortalService } from './portal.service';
import { PortalApprovals } from './portal-approvals';
import { approvalPage, pendingApprovals } from './portal-approval-page';

type Form = Record<string, string | undefined>;

/**
 * The consent portal's pages, server-rendered, without script. Reading pages needs a signed-in
 * person (else the sign-in starts and comes back); every form post needs the same origin and the
 * session's CSRF token. Problems are pages, never a stack trace or a token.
 */
@Controller('portal')
export class PortalController {
  private readonly secure: boolean;

  constructor(
    @Inject(PortalService) private readonly portal: PortalService,
    @Inject(PortalApprovals) private readonly approvals: PortalApprovals,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.secure = secureCookies(config.http.publicUrl);
  }

  @Get('assets/portal.css')
  @Public()
  stylesheet(@Res() reply: FastifyReply) {
    return reply
      .header('content-type', 'text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .header('x-content-type-options', 'nosniff')
      .send(PORTAL_CSS);
  }

  @Get(':portalId')
  @Public()
  home(@Param('portalId') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page(id, request, reply, (portal) => {
      void reply.redirect(`${this.portal.base(portal)}/connections`, 303);
      return Promise.resolve();
    });
  }

  @Get(':portalId/sign-in')
  @Public()
  signIn(@Param('portalId') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page(id, request, reply, async (portal) => {
      const next = (request.query as Form).next;
      const started = await this.portal.beginSignIn(portal, next);
      void reply.header(
        'set-cookie',
        cookie(this.cookies(portal).signIn, started.cookie, {
          secure: this.secure,
          path: `${this.portal.base(portal)}/`,
          maxAgeSeconds: 600,
        }),
      );
      void reply.redirect(started.redirect, 302);
    });
  }

  @Get(':portalId/callback')
  @Public()
  callback(@Param('portalId') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.page(id, request, reply, async (portal) => {
      const names = this.cookies(portal);
      const mark = request.url.indexOf('?');
      const done = await this.portal.finishSignIn(
        portal,
        mark < 0 ? '' : request.url.slice(mark + 1),
        readCookie(request, names.signIn),
      );
      void reply.header('set-cookie', [
        cookie(names.session, done.cookie, { secure: this.secure, path: '/' }),
        cookie(names.signIn, '', {
          secure: this.secure,
          path: `${this.portal.base(portal)}/`,
          maxAgeSeconds: 0,
        }),
      ]);
      void reply.redirect(done.next, 303);
    });
  }

  @Post(':portalId/sign-out')
  @Public()
  signOut(@Param('portalId') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.form(id, request, reply, async (portal, person) => {
      const name = this.cookies(portal).session;
      await this.portal.signOut(portal, person, readCookie(request, name));
      void reply.header('set-cookie', cookie(name, '', { secure: this.secure, path: '/', maxAgeSeconds: 0 }));
      this.send(
        reply,
        200,
        messagePage(this.frame(portal), {
          heading: 'Signed out',
          text: 'You are signed out of this portal.',
          link: { href: `${this.portal.base(portal)}/connections`, label: 'Sign in again' },
        }),
      );
    });
  }

  @Get(':portalId/connections')
  @Public()
  connections(@Param('portalId') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.signedIn(id, request, reply, async (portal, person) => {
      const [rows, waiting] = await Promise.all([
        this.portal.connections(person),
        this.approvals.pending(portal, person),
      ]);
      this.send(
        reply,
        200,
        connectionsPage(
          { ...this.frame(portal, person), person },
          rows,
          pendingApprovals(this.portal.base(portal), waiting),
        ),
      );
    });
  }

  @Post(':portalId/connections/revoke')
  @Public()
  revoke(@Param('portalId') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.form(id, request, reply, async (portal, person, form) => {
      await this.portal.revoke(portal, person, form.connectionId);
      void reply.redirect(`${this.portal.base(portal)}/connections`, 303);
    });
  }

  @Post(':portalId/connections/reconnect')
  @Public()
  reconnect(@Param('portalId') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    return this.form(id, request, reply, async (portal, person, form) => {
      void reply.redirect(await this.portal.reconnect(portal, person, form.connectionId), 303);
    });
  }

  @Get(':portalId/consent/:sessionId')
  @Public()
  consent(
    @Param('portalId') id: string,
    @Param('sessionId') sessionId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.signedIn(id, request, reply, async (portal, person) => {
      const { view, formTargets } = await this.portal.consentView(portal, person, sessionId);
      // Allow and Deny post to the portal, which redirects on: to the authorization server, or the app.
      securityHeaders(reply, formTargets);
      this.send(reply, 200, consentScreen({ ...this.frame(portal, person), person }, view), false);
    });
  }

  @Post(':portalId/consent/:sessionId')
  @Public()
  decide(
    @Param('portalId') id: string,
    @Param('sessionId') sessionId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.form(id, request, reply, async (portal, person, form) => {
      if (form.decision !== 'allow' && form.decision !== 'deny') {
        throw new PortalProblem(400, 'Unknown answer', 'Please answer with Allow or Deny.');
      }
      void reply.redirect(
        await this.portal.decide(portal, person, sessionId, form.decision === 'allow'),
        303,
      );
    });
  }

  @Get(':portalId/approvals/:approvalId')
  @Public()
  approval(
    @Param('portalId') id: string,
    @Param('approvalId') approvalId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.signedIn(id, request, reply, async (portal, person) => {
      const view = await this.approvals.view(portal, person, approvalId);
      this.send(reply, 200, approvalPage({ ...this.frame(portal, person), person }, view));
    });
  }

  @Post(':portalId/approvals/:approvalId')
  @Public()
  answerApproval(
    @Param('portalId') id: string,
    @Param('approvalId') approvalId: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.form(id, request, reply, async (portal, person, form) => {
      const windowSeconds = Number(form.window ?? '0');
      if ((form.decision !== 'approve' && form.decision !== 'deny') || !Number.isInteger(windowSeconds)) {
        throw new PortalProblem(400, 'Unknown answer', 'Please answer with Approve or Deny.');
      }
      const answered = await this.approvals.answer(portal, person, approvalId, {
        approve: form.decision === 'approve',
        windowSeconds,
      });
      // The user's consent follows an approval the vault cannot serve yet.
      if (answered.consentScreen) return void reply.redirect(answered.consentScreen, 303);
      this.send(
        reply,
        200,
        messagePage(this.frame(portal, person), {
          heading: answered.approved ? 'Approved' : 'Denied',
          text: answered.approved
            ? 'Your approval is recorded. The agent goes on with what it asked.'
            : 'Your answer is recorded. The agent does not get what it asked.',
          link: { href: `${this.portal.base(portal)}/connections`, label: 'My connections' },
        }),
      );
    });
  }

  /** A page of an existing portal; any problem becomes a page of its own. */
  private async page(
    id: string,
    request: FastifyRequest,
    reply: FastifyReply,
    handle: (portal: ConsentPortal) => Promise<void>,
  ): Promise<void> {
    const portal = await this.portal.find(id);
    if (!portal) {
      this.send(
        reply,
        404,
        messagePage(frameOf('Consent portal', '/portal'), {
          heading: 'No such portal',
          text: 'There is no consent portal at this address.',
          problem: true,
        }),
      );
      return;
    }
    try {
      await handle(portal);
    } catch (err) {
      const problem =
        err instanceof PortalProblem
          ? err
          : new PortalProblem(500, 'Something went wrong', 'The portal could not answer. Please try again.');
      if (!(err instanceof PortalProblem))
        this.log.error({ err, path: request.routeOptions.url }, 'portal page failed');
      const person = await this.portal
        .person(portal, readCookie(request, this.cookies(portal).session))
        .catch(() => undefined);
      this.send(
        reply,
        problem.status,
        messagePage(this.frame(portal, person), {
          heading: problem.heading,
          text: problem.message,
          problem: true,
        }),
      );
    }
  }

  /** A page for a signed-in person; anyone else is sent to sign in and brought back. */
  private signedIn(
    id: string,
    request: FastifyRequest,
    reply: FastifyReply,
    handle: (portal: ConsentPortal, person: PortalPerson) => Promise<void>,
  ): Promise<void> {
    return this.page(id, request, reply, async (portal) => {
      const person = await this.portal.person(portal, readCookie(request, this.cookies(portal).session));
      if (!person) {
        const next = encodeURIComponent(request.url.split('?')[0] ?? '');
        void reply.redirect(`${this.portal.base(portal)}/sign-in?next=${next}`, 303);
        return;
      }
      await handle(portal, person);
    });
  }

  /** A form post: same origin, a signed-in person, and the session's CSRF token; else refused. */
  private form(
    id: string,
    request: FastifyRequest,
    reply: FastifyReply,
    handle: (portal: ConsentPortal, person: PortalPerson, form: Form) => Promise<void>,
  ): Promise<void> {
    return this.page(id, request, reply, async (portal) => {
      const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Form;
      const person = await this.portal.person(portal, readCookie(request, this.cookies(portal).session));
      if (!person)
        throw new PortalProblem(
          401,
          'Please sign in',
          'You are not signed in to this portal, or your sign-in has expired.',
        );
      if (!sameOrigin(request, this.config.http.publicUrl) || !this.portal.checkCsrf(person, form.csrf)) {
        throw new PortalProblem(
          403,
          'Request refused',
          'This form did not come from this portal. Nothing was changed.',
        );
      }
      await handle(portal, person, form);
    });
  }

  private cookies(portal: ConsentPortal) {
    return portalCookies(portal.id, this.secure);
  }

  private frame(portal: ConsentPortal, person?: PortalPerson): PageFrame {
    return {
      ...frameOf(portal.name, this.portal.base(portal)),
      ...(person ? { person: { name: person.name, csrf: person.csrf } } : {}),
    };
  }

  private send(reply: FastifyReply, status: number, body: string, headers = true): void {
    if (headers) securityHeaders(reply);
    void reply.status(status).header('content-type', 'text/html; charset=utf-8').send(body);
  }
}

const frameOf = (portalName: string, base: string): PageFrame => ({ title: portalName, portalName, base });
