import { newAccessKey } from '../../../../libs/auth/bootstrap-admin';
import {
  ACTION_PREFIX,
  compilePolicy,
  evaluate,
  type CompiledPolicy,
} from '../../../../libs/auth/iam-policy';
import { KNOWN_OPERATIONS } from '../../../../libs/auth/operations';
import {
  MAX_ACCESS_KEYS,
  type PrincipalRecord,
  type PrincipalsRepository,
} from '../../../../libs/auth/principals.repository';
import { principalArn, type Deployment } from '../../../../libs/wire/arn';
import { ConflictException, ResourceNotFoundException } from '../../../../libs/wire/errors';
import { paginate } from '../../../../libs/wire/pagination';
import { checkedPolicy } from '../../../../libs/auth/checked-policy';
import type { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import { assertUsableIssuer } from '../../../../libs/auth/trusted-issuer';
import type { WebIdentityTrust } from '../../../../libs/auth/web-identity-trust';
import type { OutboundPolicy } from '../../../../libs/net/outbound-fetch';
import type { CreatePrincipalInput, UpdatePrincipalInput } from './principal.schemas';

const DEFAULT_PAGE_SIZE = 10;
const notFound = (name: string) => new ResourceNotFoundException(`Principal ${name} does not exist`);

/** What must stay possible for someone, so that no change locks every operator out. */
const MANAGING = ['UpdatePrincipal', 'CreatePrincipalAccessKey'].map((op) => `${ACTION_PREFIX}${op}`);

/**
 * Principals (Mandate extension): callers with an IAM policy and up to two access keys each. Keys
 * are made one at a time, shown once, and stored sealed. No change may leave the service without a
 * principal that holds a key and may manage every principal.
 */
export class PrincipalsService {
  constructor(
    private readonly repository: PrincipalsRepository,
    private readonly deployment: Deployment,
    private readonly issuers: {
      verifier: Pick<JwtVerifier, 'forget' | 'issuerOf'>;
      outbound: OutboundPolicy;
    },
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** A trust is accepted once its issuer answers, as a JWT authorizer's is. */
  private async trusted(trust: WebIdentityTrust): Promise<WebIdentityTrust> {
    await assertUsableIssuer(
      trust.discoveryUrl,
      'webIdentityTrust.discoveryUrl',
      this.issuers.verifier,
      this.issuers.outbound,
    );
    return trust;
  }

  async create(input: CreatePrincipalInput) {
    const { document } = checkedPolicy(input.policyDocument, 'policyDocument');
    const now = this.now();
    const record: PrincipalRecord = {
      name: input.name,
      policyDocument: document,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.webIdentityTrust ? { webIdentityTrust: await this.trusted(input.webIdentityTrust) } : {}),
      tags: input.tags ?? {},
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.repository.insert(record)))
      throw new ConflictException(`Principal ${input.name} already exists`);
    return this.describe(record);
  }

  async get(name: string) {
    const record = await this.require(name);
    return { ...this.describe(record), policyDocument: record.policyDocument };
  }

  async list(input: { maxResults?: number; nextToken?: string }) {
    const page = await paginate(input, DEFAULT_PAGE_SIZE, (limit, after) =>
      this.repository.page(limit, after),
    );
    return { principals: page.items.map((record) => this.describe(record)), ...page.next };
  }

  async update(input: UpdatePrincipalInput) {
    const checked =
      input.policyDocument !== undefined ? checkedPolicy(input.policyDocument, 'policyDocument') : undefined;
    await this.require(input.name);
    const trust = input.webIdentityTrust
      ? await this.trusted(input.webIdentityTrust)
      : input.webIdentityTrust;
    if (checked) await this.assertManageable({ policyOf: { name: input.name, policy: checked.compiled } });
    const updated = await this.repository.update(input.name, {
      ...(checked ? { policyDocument: checked.document } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(trust !== undefined ? { webIdentityTrust: trust } : {}),
      updatedAt: this.now(),
    });
    if (!updated) throw notFound(input.name);
    return { ...this.describe(updated), policyDocument: updated.policyDocument };
  }

  async delete(name: string): Promise<void> {
    await this.require(name);
    await this.assertManageable({ without: name });
    if (!(await this.repository.delete(name))) throw notFound(name);
  }

  async createKey(name: string) {
    await this.require(name);
    const keys = await this.repository.keys(name);
    if (keys.length >= MAX_ACCESS_KEYS)
      throw new ConflictException(
        `Principal ${name} already holds ${MAX_ACCESS_KEYS} access keys; delete one before creating another`,
      );
    const key = newAccessKey();
    await this.repository.putKey(name, key);
    return {
      accessKeyId: key.accessKeyId,
      secretAccessKey: key.secretAccessKey,
      createdTime: this.now().getTime() / 1000,
    };
  }

  async listKeys(name: string) {
    await this.require(name);
    const keys = await this.repository.keys(name);
    return {
      accessKeys: keys.map((key) => ({
        accessKeyId: key.accessKeyId,
        createdTime: key.createdAt.getTime() / 1000,
        ...(key.lastUsedAt ? { lastUsedTime: key.lastUsedAt.getTime() / 1000 } : {}),
      })),
    };
  }

  async deleteKey(name: string, accessKeyId: string): Promise<void> {
    await this.require(name);
    await this.assertManageable({ withoutKey: { name, accessKeyId } });
    if (!(await this.repository.deleteKey(name, accessKeyId)))
      throw new ResourceNotFoundException(`Principal ${name} holds no access key ${accessKeyId}`);
  }

  /**
   * After the change, some principal that holds an access key must still be allowed to update every
   * principal and to create keys for it; otherwise no one could ever repair the policies.
   */
  private async assertManageable(change: {
    policyOf?: { name: string; policy: CompiledPolicy };
    without?: string;
    withoutKey?: { name: string; accessKeyId: string };
  }): Promise<void> {
    const all = await this.repository.withKeyCounts();
    const remaining = all.filter(({ record }) => record.name !== change.without);
    const arns = remaining.map(({ record }) => principalArn(this.deployment, record.name));
    const canManage = remaining.some(({ record, keys }) => {
      const keysLeft = change.withoutKey?.name === record.name ? keys - 1 : keys;
      if (keysLeft <= 0) return false;
      const policy =
        change.policyOf?.name === record.name
          ? change.policyOf.policy
          : compilePolicy(record.policyDocument, KNOWN_OPERATIONS);
      const context = Object.fromEntries(
        Object.entries(record.tags).map(([k, v]) => [`aws:PrincipalTag/${k}`, v]),
      );
      return MANAGING.every(
        (action) => evaluate([policy], { action, resources: arns, context }).decision === 'Allow',
      );
    });
    if (!canManage)
      throw new ConflictException(
        'The change would leave no principal with an access key that may manage every principal; grant another principal bedrock-agentcore:UpdatePrincipal and bedrock-agentcore:CreatePrincipalAccessKey first',
      );
  }

  private async require(name: string): Promise<PrincipalRecord> {
    const record = await this.repository.find(name);
    if (!record) throw notFound(name);
    return record;
  }

  private describe(record: PrincipalRecord) {
    return {
      name: record.name,
      principalArn: principalArn(this.deployment, record.name),
      ...(record.description !== undefined ? { description: record.description } : {}),
      ...(record.webIdentityTrust ? { webIdentityTrust: record.webIdentityTrust } : {}),
      tags: record.tags,
      createdTime: record.createdAt.getTime() / 1000,
      lastUpdatedTime: record.updatedAt.getTime() / 1000,
    };
  }
}
