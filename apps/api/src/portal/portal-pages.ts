import { html, type SafeHtml } from '../../../../libs/portal/html';
import type { ConnectionState } from '../../../../libs/vault/connection-records.repository';

export interface PageFrame {
  title: string;
  portalName: string;
  /** The portal's path (`/portal/<id>`), for its links and forms. */
  base: string;
  person?: { name: string; csrf: string };
}

/** Every page: the portal's name, who is signed in (with a sign-out button), then the content. */
export function page(frame: PageFrame, content: SafeHtml): string {
  const signOut = frame.person
    ? html`<form method="post" action="${frame.base}/sign-out">
        <span class="muted">Signed in as <strong>${frame.person.name}</strong></span>
        <input type="hidden" name="csrf" value="${frame.person.csrf}" />
        <button type="submit" class="secondary">Sign out</button>
      </form>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${frame.title} · ${frame.portalName}</title>
        <link rel="stylesheet" href="/portal/assets/portal.css" />
      </head>
      <body>
        <header>
          <span class="brand">${frame.portalName}</span>
          ${signOut}
        </header>
        <main>${content}</main>
      </body>
    </html>`.value;
}

export interface ConsentView extends AskedBy {
  sessionId: string;
  scopes: { scope: string; description?: string }[];
  resources: string[];
  audiences: string[];
  expiresAt: Date;
}

/** What both the consent screen and the approval page say of who asks. */
export interface AskedBy {
  workloadName: string;
  workloadDescription?: string;
  providerName: string;
  vendor: string;
  requestedBy?: string;
}

/** The agent, its description, the caller and the provider, as rows of a `<dl>`. */
export function agentRows(view: AskedBy): SafeHtml {
  return html`<dt>Agent</dt>
    <dd><strong>${view.workloadName}</strong></dd>
    ${
      view.workloadDescription
        ? html`<dt>About</dt>
            <dd>${view.workloadDescription}</dd>`
        : ''
    }
    <dt>Requested by</dt>
    <dd>${view.requestedBy || 'unknown caller'}</dd>
    <dt>Provider</dt>
    <dd>${view.providerName} <span class="muted">(${view.vendor})</span></dd>`;
}

/** The scopes asked for, each in plain words where the vendor's catalogue has them. */
export function scopeList(scopes: { scope: string; description?: string }[]): SafeHtml {
  return html`<ul class="scopes">
    ${scopes.map(
      (scope) =>
        html`<li>
          ${scope.description ? html`${scope.description} <span class="muted">(<code>${scope.scope}</code>)</span>` : html`<code>${scope.scope}</code>`}
        </li>`,
    )}
  </ul>`;
}

/** The resources and audiences asked for, as rows of a `<dl>`. */
export function targetRows(view: { resources: string[]; audiences: string[] }): SafeHtml {
  const list = (items: string[]) =>
    items.length > 0
      ? html`<ul class="scopes">
          ${items.map((item) => html`<li><code>${item}</code></li>`)}
        </ul>`
      : html`<span class="muted">none asked</span>`;
  return html`<dt>Resources</dt>
    <dd>${list(view.resources)}</dd>
    <dt>Audiences</dt>
    <dd>${list(view.audiences)}</dd>`;
}

/** The consent screen: which agent asks for what, at which provider, on whose request; Allow or Deny. */
export function consentScreen(frame: PageFrame & { person: { csrf: string } }, view: ConsentView): string {
  return page(
    frame,
    html`<h1>${view.workloadName} asks for access to your ${view.providerName} account</h1>
      <section class="card" aria-labelledby="agent">
        <h2 id="agent">The agent</h2>
        <dl>${agentRows(view)}</dl>
      </section>
      <section class="card" aria-labelledby="scopes">
        <h2 id="scopes">It will be able to</h2>
        ${scopeList(view.scopes)}
        <dl>${targetRows(view)}</dl>
      </section>
      <p class="muted">
        Allow takes you to ${view.providerName} to confirm. You can revoke this access at any time under
        <a href="${frame.base}/connections">My connections</a>. This request expires at
        <time datetime="${view.expiresAt.toISOString()}">${view.expiresAt.toUTCString()}</time>.
      </p>
      <div class="actions">
        <form method="post" action="${frame.base}/consent/${view.sessionId}">
          <input type="hidden" name="csrf" value="${frame.person.csrf}" />
          <input type="hidden" name="decision" value="allow" />
          <button type="submit">Allow</button>
        </form>
        <form method="post" action="${frame.base}/consent/${view.sessionId}">
          <input type="hidden" name="csrf" value="${frame.person.csrf}" />
          <input type="hidden" name="decision" value="deny" />
          <button type="submit" class="danger">Deny</button>
        </form>
      </div>`,
  );
}

export interface ConnectionRow {
  id: string;
  workloadName: string;
  providerName: string;
  scopes: string[];
  state: ConnectionState;
  since: Date;
  lastUsed?: Date;
  canReconnect: boolean;
}

const STATE_LABELS: Record<ConnectionState, { label: string; css: string }> = {
  ACTIVE: { label: 'Active', css: 'active' },
  REFRESHING: { label: 'Active', css: 'active' },
  NEEDS_CONSENT: { label: 'Needs consent', css: 'needs-consent' },
  REVOKED: { label: 'Revoked', css: 'revoked' },
};

const when = (date: Date | undefined) =>
  date
    ? html`<time datetime="${date.toISOString()}">${date.toUTCString()}</time>`
    : html`<span class="muted">never</span>`;

/** My connections: every agent that holds access for this person, with revoke and reconnect; above them, what waits for their approval. */
export function connectionsPage(
  frame: PageFrame & { person: { csrf: string } },
  rows: ConnectionRow[],
  waiting: SafeHtml = html``,
): string {
  const action = (row: ConnectionRow, verb: 'revoke' | 'reconnect', label: string, css: string) =>
    html`<form method="post" action="${frame.base}/connections/${verb}">
      <input type="hidden" name="csrf" value="${frame.person.csrf}" />
      <input type="hidden" name="connectionId" value="${row.id}" />
      <button type="submit" class="${css}" aria-label="${label} ${row.workloadName} at ${row.providerName}">
        ${label}
      </button>
    </form>`;
  const body =
    rows.length === 0
      ? html`<p class="card">No agent holds access for you.</p>`
      : html`<table>
          <caption class="muted">
            Agents that act for you, and what they can reach
          </caption>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Provider</th>
              <th scope="col">Scopes</th>
              <th scope="col">Since</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col"><span class="muted">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            ${rows.map((row) => {
              const state = STATE_LABELS[row.state];
              return html`<tr>
                <td data-label="Agent"><strong>${row.workloadName}</strong></td>
                <td data-label="Provider">${row.providerName}</td>
                <td data-label="Scopes">${row.scopes.map((scope) => html`<code>${scope}</code> `)}</td>
                <td data-label="Since">${when(row.since)}</td>
                <td data-label="Last used">${when(row.lastUsed)}</td>
                <td data-label="State"><span class="state state-${state.css}">${state.label}</span></td>
                <td data-label="Actions">
                  <div class="actions">
                    ${row.state !== 'REVOKED' ? action(row, 'revoke', 'Revoke', 'danger') : ''}
                    ${row.canReconnect ? action(row, 'reconnect', 'Reconnect', 'secondary') : ''}
                  </div>
                </td>
              </tr>`;
            })}
          </tbody>
        </table>`;
  return page(
    frame,
    html`<h1>My connections</h1>
      ${waiting} ${body}`,
  );
}

/** A page that says one thing (signed out, denied, refused, expired), with a way on. */
export function messagePage(
  frame: PageFrame,
  message: { heading: string; text: string; problem?: boolean; link?: { href: string; label: string } },
): string {
  return page(
    frame,
    html`<h1>${message.heading}</h1>
      <div class="card${message.problem ? ' problem' : ''}" ${message.problem ? html`role="alert"` : ''}>
        <p>${message.text}</p>
        ${message.link ? html`<p><a class="button" href="${message.link.href}">${message.link.label}</a></p>` : ''}
      </div>`,
  );
}
