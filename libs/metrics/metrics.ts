import { timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a process runs: the API, the worker, or both (`npm start`). */
export type ProcessRole = 'api' | 'worker' | 'standalone';
/** The flows of GetResourceOauth2Token, as AgentCore names them. */
export type TokenFlow = 'USER_FEDERATION' | 'M2M' | 'ON_BEHALF_OF_TOKEN_EXCHANGE';
/** Grants Mandate sends to a token endpoint. */
export type GrantKind = 'authorization_code' | 'refresh_token' | 'client_credentials' | 'token_exchange';
/** Calls Mandate makes to an authorization server. */
export type IdpCall = GrantKind | 'discovery' | 'revocation';
/** The two names a metric may carry besides its own labels: never a user, token, key or secret. */
export interface Dimensions {
  workload?: string;
  provider?: string;
}

/**
 * Distinct values kept per label before further ones count as `_other`: names come from callers,
 * and a caller inventing names must not grow every scrape without bound.
 */
const MAX_VALUES_PER_LABEL = 500;
const OTHER = '_other';

/** Latency buckets (seconds) from a vault hit (about 1 ms) to a slow authorization server (10 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Mandate's Prometheus metrics (prom-client), one registry per process. Labels are operation and
 * outcome names, flows, grants, and the workload identity and credential provider names (the
 * dimensions AgentCore publishes usage by); never a user, token, key or secret.
 *
 * @example
 * const metrics = new Metrics({ role: 'api', processMetrics: true });
 * metrics.vaultRead('USER_FEDERATION', true, { workload: 'crm-agent', provider: 'google' });
 * const text = await metrics.scrape();
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly seen = new Map<string, Set<string>>();
  private readonly requests: Counter<'operation' | 'outcome' | 'workload' | 'provider'>;
  private readonly requestSeconds: Histogram<'operation' | 'outcome'>;
  private readonly vaultReads: Counter<'flow' | 'result' | 'workload' | 'provider'>;
  private readonly consentSessions: Counter<'event' | 'reason' | 'workload' | 'provider'>;
  private readonly grants: Counter<'grant' | 'outcome' | 'workload' | 'provider'>;
  private readonly idpSeconds: Histogram<'call' | 'outcome' | 'provider'>;
  private readonly renewals: Counter<'result'>;
  private readonly rotations: Counter;
  private readonly auditEvents: Counter<'result'>;
  private readonly cacheLookups: Counter<'cache' | 'result'>;
  /** Cache lookups not yet handed to `cacheLookups`, by cache. */
  private readonly lookups = new Map<string, { hit: number; miss: number }>();
  private readonly policyDecisions: Counter<'decision' | 'engine'>;
  private readonly approvals: Counter<'outcome' | 'workload'>;

  constructor(options: { role: ProcessRole; processMetrics?: boolean }) {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'mandate_requests_total',
      help: 'Operation calls by operation and outcome (Success or the AWS error name); workload and provider for authenticated calls.',
      labelNames: ['operation', 'outcome', 'workload', 'provider'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'mandate_request_duration_seconds',
      help: 'Time from request to answer, by operation and outcome.',
      labelNames: ['operation', 'outcome'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.vaultReads = new Counter({
      name: 'mandate_vault_reads_total',
      help: 'GetResourceOauth2Token answers from the vault (hit) and those that needed a renewal or a consent (miss), by flow.',
      labelNames: ['flow', 'result', 'workload', 'provider'],
      registers,
    });
    this.consentSessions = new Counter({
      name: 'mandate_consent_sessions_total',
      help: 'User consent sessions started, completed and failed (with the reason).',
      labelNames: ['event', 'reason', 'workload', 'provider'],
      registers,
    });
    this.grants = new Counter({
      name: 'mandate_token_grants_total',
      help: 'Grants sent to token endpoints (code redemption, refresh, client credentials, token exchange) by outcome (Success or the OAuth error).',
      labelNames: ['grant', 'outcome', 'workload', 'provider'],
      registers,
    });
    this.idpSeconds = new Histogram({
      name: 'mandate_idp_request_duration_seconds',
      help: 'Time of each call to an authorization server, by provider, call and outcome.',
      labelNames: ['call', 'outcome', 'provider'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.renewals = new Counter({
      name: 'mandate_renewals_total',
      help: 'Renewal requests from callers: sent to the connection lifecycle, or shared with one already in flight.',
      labelNames: ['result'],
      registers,
    });
    this.rotations = new Counter({
      name: 'mandate_secret_rotations_total',
      help: 'New AWSCURRENT versions of watched secrets seen.',
      registers,
    });
    this.auditEvents = new Counter({
      name: 'mandate_audit_events_total',
      help: 'Audit events written, and those whose write failed.',
      labelNames: ['result'],
      registers,
    });
    const lookups = this.lookups;
    this.cacheLookups = new Counter({
      name: 'mandate_cache_lookups_total',
      help: 'Lookups in the in-process caches by cache and result (hit or miss).',
      labelNames: ['cache', 'result'],
      registers,
      // Counted in plain numbers on the hot path (several lookups a request) and handed over when scraped.
      collect() {
        for (const [cache, counts] of lookups) {
          for (const result of ['hit', 'miss'] as const) {
            if (counts[result] > 0) this.inc({ cache, result }, counts[result]);
            counts[result] = 0;
          }
        }
      },
    });
    this.policyDecisions = new Counter({
      name: 'mandate_policy_decisions_total',
      help: 'Cedar decisions on token and API key releases: allow, deny, and would_deny (a LOG_ONLY policy would have refused).',
      labelNames: ['decision', 'engine'],
      registers,
    });
    this.approvals = new Counter({
      name: 'mandate_release_approvals_total',
      help: 'Approvals of token releases that policies ask for: requested, approved, denied, expired; by workload.',
      labelNames: ['outcome', 'workload'],
      registers,
    });
    new Gauge({
      name: 'mandate_process_info',
      help: 'Always 1; the role says what this process runs (api, worker or standalone: both).',
      labelNames: ['role'],
      registers,
    }).set({ role: options.role }, 1);
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** One operation call once answered. */
  request(call: { operation: string; outcome: string; seconds: number } & Dimensions): void {
    this.requests.inc({
      operation: this.bounded('operation', call.operation),
      outcome: this.bounded('outcome', call.outcome),
      ...this.dimensions(call),
    });
    this.requestSeconds.observe(
      {
        operation: this.bounded('operation', call.operation),
        outcome: this.bounded('outcome', call.outcome),
      },
      call.seconds,
    );
  }

  /** A GetResourceOauth2Token answered from the vault (`hit`) or not. */
  vaultRead(flow: TokenFlow, hit: boolean, on: Dimensions): void {
    this.vaultReads.inc({ flow, result: hit ? 'hit' : 'miss', ...this.dimensions(on) });
  }

  consent(event: 'started' | 'completed' | 'failed', on: Dimensions & { reason?: string }): void {
    this.consentSessions.inc({
      event,
      reason: on.reason === undefined ? '' : this.bounded('reason', on.reason),
      ...this.dimensions(on),
    });
  }

  /** A grant sent to a token endpoint, by outcome (`Success`, or the OAuth error code). */
  grant(grant: GrantKind, outcome: string, on: Dimensions): void {
    this.grants.inc({ grant, outcome: this.bounded('outcome', outcome), ...this.dimensions(on) });
  }

  /** Times one call to an authorization server; the call's own result or error passes through. */
  async timeIdpCall<T>(provider: string, call: IdpCall, run: () => Promise<T>): Promise<T> {
    const end = this.idpSeconds.startTimer({ call, provider: this.bounded('provider', provider) });
    try {
      const result = await run();
      end({ outcome: 'success' });
      return result;
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    }
  }

  renewal(result: 'sent' | 'shared'): void {
    this.renewals.inc({ result });
  }

  secretRotated(): void {
    this.rotations.inc();
  }

  audit(result: 'written' | 'failed', count: number): void {
    this.auditEvents.inc({ result }, count);
  }

  /** One release decided by a policy engine (`engine` is empty for an allow by every engine). */
  policyDecision(decision: 'allow' | 'deny' | 'would_deny' | 'needs_approval', engine: string): void {
    this.policyDecisions.inc({ decision, engine: engine === '' ? '' : this.bounded('engine', engine) });
  }

  /** An approval asked for or settled (`requested`, `approved`, `denied`, `expired`). */
  approval(outcome: string, workload: string): void {
    this.approvals.inc({ outcome, workload: this.bounded('workload', workload) });
  }

  /** What a cache calls on every lookup (see TtlCache's `observe`). */
  cacheObserver(cache: string): (hit: boolean) => void {
    const counts = this.lookups.get(cache) ?? { hit: 0, miss: 0 };
    this.lookups.set(cache, counts);
    return (hit) => {
      if (hit) counts.hit += 1;
      else counts.miss += 1;
    };
  }

  /** The Prometheus text exposition of everything above and, where enabled, Node's process metrics. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private dimensions(on: Dimensions): { workload: string; provider: string } {
    return {
      workload: on.workload === undefined ? '' : this.bounded('workload', on.workload),
      provider: on.provider === undefined ? '' : this.bounded('provider', on.provider),
    };
  }

  private bounded(label: string, value: string): string {
    let values = this.seen.get(label);
    if (!values) this.seen.set(label, (values = new Set()));
    if (values.has(value)) return value;
    if (values.size >= MAX_VALUES_PER_LABEL) return OTHER;
    values.add(value);
    return value;
  }
}

/**
 * Whether a scrape may read the metrics: anyone when no token is configured, else only
 * `Authorization: Bearer <token>` (compared in constant time).
 */
export function scrapeAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (token === undefined) return true;
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(authorization ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
