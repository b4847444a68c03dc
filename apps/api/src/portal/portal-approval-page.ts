import type { ReleaseApproval } from '../../../../libs/approvals/release-approvals.repository';
import { html } from '../../../../libs/portal/html';
import type { PolicyReason } from '../../../../libs/policy/policy-engines.repository';
import { agentRows, page, scopeList, targetRows, type AskedBy, type PageFrame } from './portal-pages';

export interface ApprovalView extends AskedBy {
  approvalId: string;
  action: 'ReleaseToken' | 'ReleaseApiKey';
  scopes: { scope: string; description?: string }[];
  resources: string[];
  audiences: string[];
  /** Whether the release is for the person looking (else they approve as a group's member). */
  forYou: boolean;
  why: PolicyReason[];
  windowSeconds: number;
  expiresAt: Date;
}

/** "for 1 hour", "for 90 minutes": the window an approver may grant, in words. */
export function windowInWords(seconds: number): string {
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}
const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** The approval page: which agent asks to use what, for whom, why a policy asks; approve or deny. */
export function approvalPage(frame: PageFrame & { person: { csrf: string } }, view: ApprovalView): string {
  const what = view.action === 'ReleaseApiKey' ? 'the API key of' : 'a token of';
  const button = (decision: string, label: string, css: string, window = 0) =>
    html`<form method="post" action="${frame.base}/approvals/${view.approvalId}">
      <input type="hidden" name="csrf" value="${frame.person.csrf}" />
      <input type="hidden" name="decision" value="${decision}" />
      <input type="hidden" name="window" value="${String(window)}" />
      <button type="submit" class="${css}">${label}</button>
    </form>`;
  return page(
    frame,
    html`<h1>
        ${view.workloadName} asks to use ${what} ${view.forYou ? 'your ' : ''}${view.providerName} account
      </h1>
      <section class="card" aria-labelledby="why">
        <h2 id="why">Why you are asked</h2>
        <ul>
          ${view.why.map(
            (reason) =>
              html`<li>
                ${reason.description ?? 'A policy asks a person to approve this use.'}
                <span class="muted"
                  >(policy <code>${reason.policy ?? ''}</code> of <code>${reason.engine}</code>)</span
                >
              </li>`,
          )}
        </ul>
      </section>
      <section class="card" aria-labelledby="request">
        <h2 id="request">The request</h2>
        <dl>
          ${agentRows(view)}
          <dt>For</dt>
          <dd>
            ${view.forYou ? 'you' : 'another person (you approve as a member of the group the policy names)'}
          </dd>
          <dt>Scopes</dt>
          <dd>
            ${view.scopes.length > 0 ? scopeList(view.scopes) : html`<span class="muted">none asked</span>`}
          </dd>
          ${targetRows(view)}
        </dl>
      </section>
      <p class="muted">
        The agent waits for your answer until
        <time datetime="${view.expiresAt.toISOString()}">${view.expiresAt.toUTCString()}</time>. Approving
        lets this one use go
        ahead${view.windowSeconds > 0 ? html`, or every use of the same request for a while` : ''}.
      </p>
      <div class="actions">
        ${button('approve', 'Approve once', '')}
        ${
          view.windowSeconds > 0
            ? button(
                'approve',
                `Approve for ${windowInWords(view.windowSeconds)}`,
                'secondary',
                view.windowSeconds,
              )
            : ''
        }
        ${button('deny', 'Deny', 'danger')}
      </div>`,
  );
}

/** The approvals waiting for the person, listed above their connections. */
export function pendingApprovals(base: string, approvals: ReleaseApproval[]) {
  if (approvals.length === 0) return html``;
  return html`<section class="card" aria-labelledby="waiting">
    <h2 id="waiting">Waiting for your approval</h2>
    <ul>
      ${approvals.map(
        (approval) =>
          html`<li>
            <a href="${base}/approvals/${approval.id}"
              ><strong>${approval.workloadName}</strong> at ${approval.providerName}</a
            >
            ${approval.scopes.map((scope) => html`<code>${scope}</code> `)}
          </li>`,
      )}
    </ul>
  </section>`;
}
