import type { WorkloadAccessToken } from '../../../../libs/auth/workload-access-token';
import type { ReleaseGuard } from '../policy-engines/release-guard';
import { approvalIdOf, type ReleaseApprovals } from '../approvals/release-approvals';
import type { ResourcePoliciesRepository } from '../../../../libs/auth/resource-policies.repository';
import type { z } from 'zod';
import { credentialProviderArn, type Deployment } from '../../../../libs/wire/arn';
import {
  AccessDeniedException,
  ConflictException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import { paginate } from '../../../../libs/wire/pagination';
import { secretInput, type ProviderSecrets } from '../credential-providers/provider-secrets';
import type {
  ApiKeyProviderRecord,
  ApiKeyProvidersRepository,
} from '../../../../libs/providers/api-key-providers.repository';
import {
  API_KEY_FIELDS,
  type createApiKeyProviderInput,
  type updateApiKeyProviderInput,
} from './api-key-provider.schemas';

const seconds = (date: Date) => date.getTime() / 1000;

/** API key credential providers at AgentCore's control-plane shapes, and the data-plane read. */
export class ApiKeyProvidersService {
  constructor(
    private readonly repository: ApiKeyProvidersRepository,
    private readonly secrets: ProviderSecrets,
    private readonly deployment: Deployment,
    /** A deleted provider's resource policy goes with it: a new one of the same name starts without. */
    private readonly resourcePolicies: Pick<ResourcePoliciesRepository, 'delete'>,
    private readonly guard: Pick<ReleaseGuard, 'admit'>,
    private readonly approvals: Pick<ReleaseApprovals, 'used'>,
  ) {}

  async create(input: z.output<typeof createApiKeyProviderInput>) {
    const secret = this.secretOf(input);
    if (!secret) throw ValidationException.field('apiKey', 'apiKey or apiKeySecretConfig is required');
    // Checked first so a duplicate never leaves a managed secret behind.
    if (await this.repository.exists(input.name)) throw conflict(input.name);
    const record = await this.secrets.createWith(
      'apikey',
      input.name,
      API_KEY_FIELDS,
      secret,
      async (stored) => {
        const now = new Date();
        const fresh: ApiKeyProviderRecord = {
          name: input.name,
          secret: stored,
          tags: input.tags ?? {},
          createdAt: now,
          updatedAt: now,
        };
        return (await this.repository.insert(fresh)) ? fresh : undefined;
      },
    );
    if (!record) throw conflict(input.name);
    return this.summary(record);
  }

  async get(name: string) {
    return this.describe(await this.require(name));
  }

  async list(input: { nextToken?: string; maxResults?: number }) {
    const page = await paginate(input, 10, (limit, after) => this.repository.page(limit, after));
    return {
      credentialProviders: page.items.map((r) => ({
        name: r.name,
        credentialProviderArn: credentialProviderArn(this.deployment, 'apikey', r.name),
        createdTime: seconds(r.createdAt),
        lastUpdatedTime: seconds(r.updatedAt),
      })),
      ...page.next,
    };
  }

  async update(input: z.output<typeof updateApiKeyProviderInput>) {
    const current = await this.require(input.name);
    const secret = this.secretOf(input);
    if (!secret) throw ValidationException.field('apiKey', 'apiKey or apiKeySecretConfig is required');
    const updated = await this.secrets.replaceWith(
      'apikey',
      input.name,
      API_KEY_FIELDS,
      current.secret,
      secret,
      (next) => this.repository.updateSecret(input.name, next, new Date()),
    );
    if (!updated) throw notFound(input.name);
    return this.describe(updated);
  }

  async delete(name: string): Promise<void> {
    const deleted = await this.repository.delete(name);
    if (!deleted) throw notFound(name);
    await this.resourcePolicies.delete(credentialProviderArn(this.deployment, 'apikey', name));
    await this.secrets.release(deleted.secret);
  }

  /** GetResourceApiKey: the current value of the provider's key, once Cedar allows its release. */
  async apiKey(name: string, wat: WorkloadAccessToken, caller: string) {
    const record = await this.require(name);
    const admitted = await this.guard.admit(wat, {
      action: 'ReleaseApiKey',
      flow: 'API_KEY',
      provider: { name: record.name, vendor: 'ApiKey', tags: record.tags },
      caller,
    });
    // GetResourceApiKey has no session to poll: the agent asks again once an approver answered.
    if ('waiting' in admitted) {
      throw new AccessDeniedException(
        `This release waits for approval ${approvalIdOf(admitted.waiting.sessionUri) ?? ''}: ask again once it is approved`,
      );
    }
    const apiKey = await this.secrets.value(record.secret, name);
    if (admitted.approval) await this.approvals.used(admitted.approval);
    return { apiKey };
  }

  private secretOf(input: {
    apiKey?: string;
    apiKeySecretConfig?: { secretId: string; jsonKey: string };
    apiKeySecretSource?: 'MANAGED' | 'EXTERNAL';
  }) {
    return secretInput(API_KEY_FIELDS, {
      inline: input.apiKey,
      config: input.apiKeySecretConfig,
      source: input.apiKeySecretSource,
    });
  }

  private async require(name: string): Promise<ApiKeyProviderRecord> {
    const record = await this.repository.find(name);
    if (!record) throw notFound(name);
    return record;
  }

  private summary(record: ApiKeyProviderRecord) {
    return {
      apiKeySecretArn: { secretArn: record.secret.ref.arn },
      apiKeySecretJsonKey: record.secret.ref.jsonKey,
      apiKeySecretSource: record.secret.source,
      name: record.name,
      credentialProviderArn: credentialProviderArn(this.deployment, 'apikey', record.name),
    };
  }

  private describe(record: ApiKeyProviderRecord) {
    return {
      ...this.summary(record),
      createdTime: seconds(record.createdAt),
      lastUpdatedTime: seconds(record.updatedAt),
    };
  }
}

const notFound = (name: string) =>
  new ResourceNotFoundException(`API key credential provider ${name} does not exist`);
const conflict = (name: string) =>
  new ConflictException(`API key credential provider ${name} already exists`);
