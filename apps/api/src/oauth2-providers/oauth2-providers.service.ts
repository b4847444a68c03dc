import type { ResourcePoliciesRepository } from '../../../../libs/auth/resource-policies.repository';
import { callbackUrl } from '../../../../libs/providers/callback-url';
import { randomUUID } from 'node:crypto';
import type { OutboundPolicy } from '../../../../libs/net/outbound-fetch';
import { credentialProviderArn, type Deployment } from '../../../../libs/wire/arn';
import {
  ConflictException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import { paginate } from '../../../../libs/wire/pagination';
import type { ProviderSecrets } from '../credential-providers/provider-secrets';
import { clientSecretFields, toConfigOutput, toProviderConfig } from './oauth2-provider-config';
import type { Oauth2ProviderInput } from './oauth2-provider.schemas';
import type {
  Oauth2ProviderRecord,
  Oauth2ProvidersRepository,
} from '../../../../libs/providers/oauth2-providers.repository';

const seconds = (date: Date) => date.getTime() / 1000;

/** OAuth2 credential providers at AgentCore's control-plane shapes. */
export class Oauth2ProvidersService {
  constructor(
    private readonly repository: Oauth2ProvidersRepository,
    private readonly secrets: ProviderSecrets,
    private readonly deployment: Deployment,
    /** A deleted provider's resource policy goes with it: a new one of the same name starts without. */
    private readonly resourcePolicies: Pick<ResourcePoliciesRepository, 'delete'>,
    private readonly options: {
      publicUrl: string;
      outbound: OutboundPolicy;
    },
  ) {}

  /** Each provider has its own callback URL, to register with the vendor as the redirect URI. */
  callbackUrl(record: Pick<Oauth2ProviderRecord, 'callbackId'>): string {
    return callbackUrl(this.options.publicUrl, record.callbackId);
  }

  async create(input: Oauth2ProviderInput & { tags?: Record<string, string> }) {
    const { config, secret } = toProviderConfig(input, this.options.outbound);
    if (!secret)
      throw ValidationException.field(
        clientSecretFields(config.member).inline,
        'clientSecret or clientSecretConfig is required',
      );
    if (await this.repository.exists(input.name)) throw conflict(input.name);
    const fields = clientSecretFields(config.member);
    const record = await this.secrets.createWith('oauth2', input.name, fields, secret, async (stored) => {
      const now = new Date();
      const fresh: Oauth2ProviderRecord = {
        name: input.name,
        vendor: input.credentialProviderVendor,
        config,
        secret: stored,
        callbackId: randomUUID(),
        tags: input.tags ?? {},
        createdAt: now,
        updatedAt: now,
      };
      return (await this.repository.insert(fresh)) ? fresh : undefined;
    });
    if (!record) throw conflict(input.name);
    return this.describe(record);
  }

  async get(name: string) {
    return this.describe(await this.require(name));
  }

  async list(input: { nextToken?: string; maxResults?: number }) {
    const page = await paginate(input, 10, (limit, after) => this.repository.page(limit, after));
    return {
      credentialProviders: page.items.map((r) => ({
        name: r.name,
        credentialProviderVendor: r.vendor,
        credentialProviderArn: credentialProviderArn(this.deployment, 'oauth2', r.name),
        createdTime: seconds(r.createdAt),
        lastUpdatedTime: seconds(r.updatedAt),
      })),
      ...page.next,
    };
  }

  /** A full replace of the configuration, as AgentCore defines it; the client secret is replaced only when given. */
  async update(input: Oauth2ProviderInput) {
    const current = await this.require(input.name);
    const { config, secret } = toProviderConfig(input, this.options.outbound);
    const updated = await this.secrets.replaceWith(
      'oauth2',
      input.name,
      clientSecretFields(config.member),
      current.secret,
      secret,
      (next) =>
        this.repository.replace(
          input.name,
          { vendor: input.credentialProviderVendor, config, secret: next },
          new Date(),
        ),
    );
    if (!updated) throw notFound(input.name);
    return this.describe(updated);
  }

  async delete(name: string): Promise<void> {
    const deleted = await this.repository.delete(name);
    if (!deleted) throw notFound(name);
    await this.resourcePolicies.delete(credentialProviderArn(this.deployment, 'oauth2', name));
    await this.secrets.release(deleted.secret);
  }

  private async require(name: string): Promise<Oauth2ProviderRecord> {
    const record = await this.repository.find(name);
    if (!record) throw notFound(name);
    return record;
  }

  private describe(record: Oauth2ProviderRecord) {
    return {
      clientSecretArn: { secretArn: record.secret.ref.arn },
      clientSecretJsonKey: record.secret.ref.jsonKey,
      clientSecretSource: record.secret.source,
      name: record.name,
      credentialProviderVendor: record.vendor,
      credentialProviderArn: credentialProviderArn(this.deployment, 'oauth2', record.name),
      callbackUrl: this.callbackUrl(record),
      oauth2ProviderConfigOutput: toConfigOutput(record.config),
      status: 'READY',
      createdTime: seconds(record.createdAt),
      lastUpdatedTime: seconds(record.updatedAt),
    };
  }
}

const notFound = (name: string) =>
  new ResourceNotFoundException(`OAuth2 credential provider ${name} does not exist`);
const conflict = (name: string) => new ConflictException(`OAuth2 credential provider ${name} already exists`);
