import type * as CedarTypes from '@cedar-policy/cedar-wasm/nodejs';
import { approvalRule, type ApprovalRule } from './approval-annotations';
import { loadCedar, SCHEMA_NAME, type Cedar } from './cedar-schema';
import type { Policy, PolicyEngine, PolicyEnginesRepository } from './policy-engines.repository';

/** One token or API key about to be released, as the Cedar request describes it. */
export interface ReleaseRequest {
  action: 'ReleaseToken' | 'ReleaseApiKey';
  workloadName: string;
  providerName: string;
  flow: 'USER_FEDERATION' | 'M2M' | 'ON_BEHALF_OF_TOKEN_EXCHANGE' | 'API_KEY';
  scopes: string[];
  resources: string[];
  audiences: string[];
  /** The calling principal's name. */
  caller: string;
  user?: { hash: string; kind: 'userId' | 'jwt'; groups: string[] };
  approved: boolean;
  now: Date;
}

/** What the release's Cedar request needs beyond the request: the tags and vendor, read only when an engine decides. */
export interface ReleaseSubjects {
  workloadTags(): Promise<Record<string, string>>;
  provider(): Promise<{ vendor: string; tags: Record<string, string> }>;
}

/** The engine and policy that decided a refusal: names only, never the request's data. */
export interface Refusal {
  engine: string;
  /** The forbid policy that decided; absent when no policy permits. */
  policy?: string;
}

/** A refusal that the approval of a person lifts: who must approve, and for how long they may. */
export interface ApprovalDemand {
  /** Names of the engines and policies that ask for it (never the request's data). */
  policies: Refusal[];
  /** Every one of these the approving person must be: `user`, `group:<name>`. */
  approvers: string[];
  /** The longest window of releases the approver may grant (the shortest the policies allow); 0: one release. */
  windowSeconds: number;
}

export interface ReleaseDecision {
  allowed: boolean;
  refusal?: Refusal;
  /** Set on a refusal that only approval policies decided and that Cedar lifts once approved. */
  approval?: ApprovalDemand;
  /** LOG_ONLY policies that would have refused a release the ACTIVE ones allow. */
  wouldDeny: Refusal[];
  /** How many policy engines decided (0: none is attached, and the release is not theirs to decide). */
  engines: number;
}

interface CompiledEngine {
  engine: PolicyEngine;
  names: Map<string, string>;
  /** The approval rules of the ACTIVE policies that have one, by policy id. */
  approvals: Map<string, ApprovalRule>;
  hasLogOnly: boolean;
}

const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];
const MAX_DECISIONS = 10_000;

/**
 * Cedar decides every release where a policy engine is attached (to the token vault, or to the
 * workload identity). Each engine's ACTIVE policies are enforced: forbid wins, and with no permit the
 * release is refused. LOG_ONLY policies are evaluated with them; a refusal they alone would cause is
 * reported as `wouldDeny`, never enforced. Policy sets are parsed once into cedar-wasm's cache;
 * decisions are cached for identical inputs (the hour included), and both are dropped at once on a
 * policy change in this process, and after `ttlMs` for changes made through another.
 */
export class ReleasePolicy {
  private engines = new Map<
    string,
    { at: number; engines: Promise<CompiledEngine[]>; resolved?: CompiledEngine[] }
  >();
  private decisions = new Map<string, ReleaseDecision>();
  private generation = 0;
  /** Loaded with the first engine compiled: no engine, no cedar-wasm. */
  private cedar?: Cedar;

  constructor(
    private readonly repository: Pick<PolicyEnginesRepository, 'enginesFor' | 'policies'>,
    private readonly ttlMs: number,
  ) {}

  /** A policy engine, policy or attachment changed: nothing compiled or decided before is used again. */
  forget(): void {
    this.generation += 1;
    this.engines.clear();
    this.decisions.clear();
  }

  /**
   * Whether, as this process knows now, no engine decides the workload's releases: the hot path's
   * check when none is attached, with no request built, no hash taken and no await.
   */
  undecided(workloadName: string): boolean {
    const hit = this.engines.get(workloadName);
    return hit?.resolved?.length === 0 && Date.now() - hit.at < this.ttlMs;
  }

  async decide(request: ReleaseRequest, subjects: ReleaseSubjects): Promise<ReleaseDecision> {
    const engines = await this.enginesFor(request.workloadName);
    if (engines.length === 0) return { allowed: true, wouldDeny: [], engines: 0 };
    const [workloadTags, provider] = await Promise.all([subjects.workloadTags(), subjects.provider()]);
    const context = {
      flow: request.flow,
      scopes: request.scopes,
      resources: request.resources,
      audiences: request.audiences,
      caller: request.caller,
      hourUtc: request.now.getUTCHours(),
      weekday: WEEKDAYS[request.now.getUTCDay()]!,
      approved: request.approved,
      ...(request.user ? { user: request.user } : {}),
    };
    const key = JSON.stringify([
      this.generation,
      engines.map((e) => e.engine.id),
      request.action,
      request.workloadName,
      workloadTags,
      request.providerName,
      provider,
      context,
    ]);
    const cached = this.decisions.get(key);
    if (cached) return cached;

    const decision = evaluate(this.cedar!, engines, request, context, workloadTags, provider);
    if (this.decisions.size >= MAX_DECISIONS) this.decisions.clear();
    this.decisions.set(key, decision);
    return decision;
  }

  private enginesFor(workloadName: string): Promise<CompiledEngine[]> {
    const hit = this.engines.get(workloadName);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.engines;
    if (hit) this.decisions.clear();
    const generation = this.generation;
    const engines = this.compile(workloadName, generation);
    const entry: { at: number; engines: Promise<CompiledEngine[]>; resolved?: CompiledEngine[] } = {
      at: Date.now(),
      engines,
    };
    this.engines.set(workloadName, entry);
    engines.then((list) => (entry.resolved = list)).catch(() => undefined);
    engines.catch(() => this.engines.delete(workloadName));
    return engines;
  }

  private async compile(workloadName: string, generation: number): Promise<CompiledEngine[]> {
    const engines = await this.repository.enginesFor(workloadName);
    if (engines.length === 0) return [];
    const cedar = (this.cedar = await loadCedar());
    const loaded = await Promise.all(
      engines.map(async (engine) => ({ engine, policies: await this.repository.policies(engine.id) })),
    );
    // A change while reading: read again, so no older set replaces a newer one in cedar-wasm's cache.
    if (generation !== this.generation) return this.compile(workloadName, this.generation);
    return loaded.map(({ engine, policies }) => {
      const active = Object.fromEntries(
        policies.filter((p) => p.enforcementMode === 'ACTIVE').map((p) => [p.id, p.statement]),
      );
      const all = Object.fromEntries(policies.map((p) => [p.id, p.statement]));
      for (const [kind, set] of [
        ['active', active],
        ['all', all],
      ] as const) {
        const parsed = cedar.preparsePolicySet(setId(engine, kind), { staticPolicies: set });
        if (parsed.type !== 'success')
          throw new Error(`policy engine ${engine.name} holds a policy that does not parse`);
      }
      return {
        engine,
        names: new Map(policies.map((p) => [p.id, p.name])),
        approvals: approvalRules(cedar, policies),
        hasLogOnly: policies.some((p) => p.enforcementMode === 'LOG_ONLY'),
      };
    });
  }
}

/** Asks Cedar for each engine, in order, until one refuses; LOG_ONLY policies only report. */
function evaluate(
  cedar: Cedar,
  engines: CompiledEngine[],
  request: ReleaseRequest,
  context: CedarTypes.Context,
  workloadTags: Record<string, string>,
  provider: { vendor: string; tags: Record<string, string> },
): ReleaseDecision {
  const entities: CedarTypes.EntityJson[] = [
    {
      uid: { type: 'Mandate::Workload', id: request.workloadName },
      attrs: { name: request.workloadName },
      parents: [],
      tags: workloadTags,
    },
    {
      uid: { type: 'Mandate::CredentialProvider', id: request.providerName },
      attrs: { name: request.providerName, vendor: provider.vendor },
      parents: [],
      tags: provider.tags,
    },
  ];
  const ask = (setId: string, approved: boolean) => {
    const answer = cedar.statefulIsAuthorized({
      principal: { type: 'Mandate::Workload', id: request.workloadName },
      action: { type: 'Mandate::Action', id: request.action },
      resource: { type: 'Mandate::CredentialProvider', id: request.providerName },
      context: { ...context, approved },
      entities,
      preparsedPolicySetId: setId,
      preparsedSchemaName: SCHEMA_NAME,
      validateRequest: true,
    });
    // A request the schema refuses is a refusal, never a release.
    if (answer.type !== 'success') return { allow: false, reason: [] as string[] };
    return { allow: answer.response.decision === 'allow', reason: answer.response.diagnostics.reason };
  };
  const wouldDeny: Refusal[] = [];
  const demands: { refusal: Refusal; rules: ApprovalRule[] }[] = [];
  for (const compiled of engines) {
    const active = ask(setId(compiled.engine, 'active'), request.approved);
    if (!active.allow) {
      const refusal = refusalOf(compiled, active.reason);
      const rules = active.reason.map((id) => compiled.approvals.get(id));
      // Approval can lift it only if every deciding policy asks for one and Cedar then permits.
      const approvable =
        !request.approved &&
        rules.length > 0 &&
        rules.every((rule) => rule !== undefined) &&
        ask(setId(compiled.engine, 'active'), true).allow;
      if (!approvable) return { allowed: false, refusal, wouldDeny: [], engines: engines.length };
      demands.push({ refusal, rules });
      continue;
    }
    if (compiled.hasLogOnly) {
      const all = ask(setId(compiled.engine, 'all'), request.approved);
      if (!all.allow) wouldDeny.push(refusalOf(compiled, all.reason));
    }
  }
  if (demands.length === 0) return { allowed: true, wouldDeny, engines: engines.length };
  const rules = demands.flatMap((d) => d.rules);
  return {
    allowed: false,
    refusal: demands[0]!.refusal,
    approval: {
      policies: demands.map((d) => d.refusal),
      approvers: [...new Set(rules.map((r) => r.approver))].sort(),
      windowSeconds: Math.min(...rules.map((r) => r.windowSeconds)),
    },
    wouldDeny,
    engines: engines.length,
  };
}

/** The approval rules of the ACTIVE policies; an unreadable annotation was refused when the policy was written. */
function approvalRules(cedar: Cedar, policies: Policy[]): Map<string, ApprovalRule> {
  const rules = new Map<string, ApprovalRule>();
  for (const policy of policies) {
    if (policy.enforcementMode !== 'ACTIVE' || !policy.statement.includes('@approval')) continue;
    const json = cedar.policyToJson(policy.statement);
    const rule = json.type === 'success' ? approvalRule(json.json.annotations) : undefined;
    if (rule && typeof rule !== 'string') rules.set(policy.id, rule);
  }
  return rules;
}

/** One id per engine and kind: a newer compile replaces the set in cedar-wasm's cache, nothing accumulates. */
const setId = (engine: PolicyEngine, kind: 'active' | 'all') => `${engine.id}:${kind}`;

function refusalOf(compiled: CompiledEngine, reason: string[]): Refusal {
  const policy = reason.map((id) => compiled.names.get(id)).find((name) => name !== undefined);
  return { engine: compiled.engine.name, ...(policy ? { policy } : {}) };
}
