import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import type { Config } from '../../../../libs/config/config';
import {
  ConsentPortalsRepository,
  GATEWAY_SOURCE,
  type ConsentPortal,
  type PortalIdpConfig,
  type PortalSource,
} from '../../../../libs/portal/consent-portals.repository';
import { portalUrl } from '../../../../libs/portal/portal-urls';
import { Oauth2ProvidersRepository } from '../../../../libs/providers/oauth2-providers.repository';
import {
  consentPortalArn,
  parseConsentPortalArn,
  parseCredentialProviderArn,
  parseWorkloadIdentityArn,
} from '../../../../libs/wire/arn';
import {
  ConflictException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import { paginate } from '../../../../libs/wire/pagination';
import { newResourceId } from '../../../../libs/wire/resource-id';
import { parseInput } from '../../../../libs/wire/validation';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { CONFIG } from '../tokens';
import { Operation } from '../wire/operation.decorator';
import {
  createPortalInput,
  listPortalsInput,
  portalIdentifierInput,
  updatePortalInput,
} from './consent-portal.schemas';

/** Only for operators, checked on `*`: the policies that allow them name the actions. */
const ANY = {};

/**
 * CreateConsentPortal, GetConsentPortal, ListConsentPortals, UpdateConsentPortal and
 * DeleteConsentPortal on AgentCore's wire. A portal signs people in through an OAuth2 credential
 * provider (`idpConfig`); its `sources` name the workload identities and credential providers whose
 * consents go through the portal's consent screen (`agentcore-gateway` sources are kept, with no effect).
 */
@Controller('identities')
export class ConsentPortalsController {
  constructor(
    @Inject(ConsentPortalsRepository) private readonly portals: ConsentPortalsRepository,
    @Inject(Oauth2ProvidersRepository) private readonly providers: Oauth2ProvidersRepository,
    @Inject(WorkloadIdentitiesRepository) private readonly workloads: WorkloadIdentitiesRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Post('CreateConsentPortal')
  @HttpCode(202)
  @Operation('CreateConsentPortal', ANY)
  async create(@Body() body: unknown) {
    const input = parseInput(createPortalInput, body);
    await this.checkIdp(input.idpConfig);
    const sources = await this.resolveSources(input.sources);
    await this.checkUnclaimed(sources);
    const created = await this.portals.create(
      {
        id: newResourceId(input.name),
        name: input.name,
        ...(input.description !== undefined ? { description: input.description } : {}),
        idpConfig: input.idpConfig,
        sources,
        ...(input.executionRoleArn !== undefined ? { executionRoleArn: input.executionRoleArn } : {}),
        userIdClaim: input.userIdClaim ?? 'sub',
        tags: input.tags ?? {},
      },
      new Date(),
    );
    if (!created) throw new ConflictException(`Consent portal ${input.name} already exists`);
    return this.describe(created);
  }

  @Post('GetConsentPortal')
  @HttpCode(200)
  @Operation('GetConsentPortal', ANY)
  async get(@Body() body: unknown) {
    return this.describe(await this.find(parseInput(portalIdentifierInput, body).consentPortalIdentifier));
  }

  @Post('ListConsentPortals')
  @HttpCode(200)
  @Operation('ListConsentPortals', ANY)
  async list(@Body() body: unknown) {
    const input = parseInput(listPortalsInput, body ?? {});
    const page = await paginate(input, 50, async (limit, after) =>
      (await this.portals.page(limit + 1, after)).map((portal) => ({ name: portal.id, portal })),
    );
    return {
      consentPortals: page.items.map(({ portal }) => {
        const {
          idpConfig: _idp,
          executionRoleArn: _role,
          userIdClaim: _claim,
          ...summary
        } = this.describe(portal);
        return summary;
      }),
      ...page.next,
    };
  }

  @Post('UpdateConsentPortal')
  @HttpCode(202)
  @Operation('UpdateConsentPortal', ANY)
  async update(@Body() body: unknown) {
    const input = parseInput(updatePortalInput, body);
    const portal = await this.find(input.consentPortalIdentifier);
    if (input.idpConfig) await this.checkIdp(input.idpConfig);
    const updated = await this.portals.update(
      portal.id,
      {
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.idpConfig !== undefined ? { idpConfig: input.idpConfig } : {}),
        ...(input.executionRoleArn !== undefined ? { executionRoleArn: input.executionRoleArn } : {}),
      },
      new Date(),
    );
    if (!updated) throw notFound(input.consentPortalIdentifier);
    return this.describe(updated);
  }

  @Post('DeleteConsentPortal')
  @HttpCode(204)
  @Operation('DeleteConsentPortal', ANY)
  async delete(@Body() body: unknown) {
    const portal = await this.find(parseInput(portalIdentifierInput, body).consentPortalIdentifier);
    await this.portals.delete(portal.id);
  }

  private async find(identifier: string): Promise<ConsentPortal> {
    const id = parseConsentPortalArn(this.config.deployment, identifier) ?? identifier;
    const portal = await this.portals.find(id);
    if (!portal) throw notFound(identifier);
    return portal;
  }

  /** The portal signs people in through one of this deployment's OAuth2 credential providers. */
  private async checkIdp(idp: PortalIdpConfig): Promise<void> {
    const name = parseCredentialProviderArn(this.config.deployment, 'oauth2', idp.credentialProviderArn);
    if (!name || !(await this.providers.exists(name))) {
      throw ValidationException.field(
        'idpConfig.credentialProviderArn',
        'must be the ARN of an OAuth2 credential provider of this deployment',
      );
    }
  }

  /** Sources by name (an ARN is accepted); each named workload identity or provider must exist. */
  private async resolveSources(sources: PortalSource[]): Promise<PortalSource[]> {
    const { deployment } = this.config;
    const resolved: PortalSource[] = [];
    for (const [index, source] of sources.entries()) {
      if (source.type === GATEWAY_SOURCE) {
        resolved.push(source);
        continue;
      }
      const workload = source.type === 'workload-identity';
      const name = workload
        ? (parseWorkloadIdentityArn(deployment, source.identifier) ?? source.identifier)
        : (parseCredentialProviderArn(deployment, 'oauth2', source.identifier) ?? source.identifier);
      const exists = workload ? await this.workloads.exists(name) : await this.providers.exists(name);
      if (!exists) {
        throw ValidationException.field(
          `sources.${index}.identifier`,
          `names no ${workload ? 'workload identity' : 'OAuth2 credential provider'} of this deployment`,
        );
      }
      resolved.push({ type: source.type, identifier: name });
    }
    return resolved;
  }

  /** A workload identity or provider shows its consents on one portal only. */
  private async checkUnclaimed(sources: PortalSource[]): Promise<void> {
    const claimed = (await this.portals.all()).flatMap((portal) =>
      portal.sources.map((source) => ({ portal: portal.name, key: `${source.type}:${source.identifier}` })),
    );
    for (const source of sources) {
      if (source.type === GATEWAY_SOURCE) continue;
      const taken = claimed.find((entry) => entry.key === `${source.type}:${source.identifier}`);
      if (taken) {
        throw new ConflictException(
          `The ${source.type} ${source.identifier} is already a source of consent portal ${taken.portal}`,
        );
      }
    }
  }

  private describe(portal: ConsentPortal) {
    return {
      consentPortalId: portal.id,
      consentPortalArn: consentPortalArn(this.config.deployment, portal.id),
      name: portal.name,
      ...(portal.description !== undefined ? { description: portal.description } : {}),
      idpConfig: portal.idpConfig,
      sources: portal.sources,
      ...(portal.executionRoleArn !== undefined ? { executionRoleArn: portal.executionRoleArn } : {}),
      userIdClaim: portal.userIdClaim,
      portalUrl: portalUrl(this.config.http.publicUrl, portal.id),
      status: portal.status,
      createdAt: portal.createdAt.getTime() / 1000,
      updatedAt: portal.updatedAt.getTime() / 1000,
    };
  }
}

const notFound = (identifier: string) =>
  new ResourceNotFoundException(`Consent portal ${identifier} does not exist`);
