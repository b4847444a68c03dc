import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import type { Config } from '../../../../libs/config/config';
import { checkPolicy, CEDAR_SCHEMA } from '../../../../libs/policy/cedar-schema';
import {
  PolicyEnginesRepository,
  type Policy,
  type PolicyEngine,
} from '../../../../libs/policy/policy-engines.repository';
import {
  ConflictException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import { policyArn, policyEngineArn } from '../../../../libs/wire/arn';
import { paginate } from '../../../../libs/wire/pagination';
import { isResourceId, newResourceId } from '../../../../libs/wire/resource-id';
import { parseInput } from '../../../../libs/wire/validation';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { CONFIG } from '../tokens';
import { Operation } from '../wire/operation.decorator';
import {
  attachEngineInput,
  createEngineInput,
  createPolicyInput,
  engineIdInput,
  listEnginesInput,
  listPoliciesInput,
  policyIdInput,
  updateEngineInput,
  updatePolicyInput,
} from './policy-engine.schemas';

/** Only for operators, checked on `*`: the policies that allow them name the actions. */
const ANY = {};

/**
 * AgentCore Policy's policy engines and Cedar policies at their REST paths, and Mandate's
 * extensions: which releases an engine decides (AttachPolicyEngine) and the Cedar schema policies
 * are validated against (GetPolicySchema). Changes apply at once: a new forbid refuses even the next
 * vault hit.
 */
@Controller()
export class PolicyEnginesController {
  constructor(
    @Inject(PolicyEnginesRepository) private readonly engines: PolicyEnginesRepository,
    @Inject(WorkloadIdentitiesRepository) private readonly workloads: WorkloadIdentitiesRepository,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  @Post('policy-engines')
  @HttpCode(202)
  @Operation('CreatePolicyEngine', ANY)
  async createEngine(@Body() body: unknown) {
    const input = parseInput(createEngineInput, body);
    const created = await this.engines.createEngine(
      {
        id: newResourceId(input.name),
        name: input.name,
        ...(input.description !== undefined ? { description: input.description } : {}),
        tags: input.tags ?? {},
      },
      new Date(),
    );
    if (!created) throw new ConflictException(`Policy engine ${input.name} already exists`);
    return this.describeEngine(created);
  }

  @Get('policy-engines/:policyEngineId')
  @Operation('GetPolicyEngine', ANY)
  async getEngine(@Param('policyEngineId') id: string) {
    return this.describeEngine(
      await this.findEngine(parseInput(engineIdInput, { policyEngineId: id }).policyEngineId),
    );
  }

  @Get('policy-engines')
  @Operation('ListPolicyEngines', ANY)
  async listEngines(@Query() query: unknown) {
    const input = parseInput(listEnginesInput, query ?? {});
    const page = await paginate(input, 10, async (limit, after) =>
      (await this.engines.enginePage(limit + 1, after)).map((engine) => ({ name: engine.id, engine })),
    );
    return { policyEngines: page.items.map(({ engine }) => this.describeEngine(engine)), ...page.next };
  }

  @Patch('policy-engines/:policyEngineId')
  @HttpCode(202)
  @Operation('UpdatePolicyEngine', ANY)
  async updateEngine(@Param('policyEngineId') id: string, @Body() body: unknown) {
    const input = parseInput(updateEngineInput, { ...(body as object), policyEngineId: id });
    await this.findEngine(input.policyEngineId);
    const updated = await this.engines.updateEngine(
      input.policyEngineId,
      input.description ? { description: input.description.optionalValue ?? '' } : {},
      new Date(),
    );
    if (!updated) throw engineNotFound(id);
    return this.describeEngine(updated);
  }

  @Delete('policy-engines/:policyEngineId')
  @HttpCode(202)
  @Operation('DeletePolicyEngine', ANY)
  async deleteEngine(@Param('policyEngineId') id: string) {
    const engine = await this.findEngine(parseInput(engineIdInput, { policyEngineId: id }).policyEngineId);
    await this.engines.deleteEngine(engine.id);
    return { ...this.describeEngine(engine), status: 'DELETING' };
  }

  @Post('policy-engines/:policyEngineId/policies')
  @HttpCode(202)
  @Operation('CreatePolicy', ANY)
  async createPolicy(@Param('policyEngineId') engineId: string, @Body() body: unknown) {
    const input = parseInput(createPolicyInput, { ...(body as object), policyEngineId: engineId });
    await this.findEngine(input.policyEngineId);
    const statement = input.definition.cedar.statement;
    await checkStatement(statement, input.validationMode ?? 'FAIL_ON_ANY_FINDINGS');
    const created = await this.engines.createPolicy(
      {
        id: newResourceId(input.name),
        engineId: input.policyEngineId,
        name: input.name,
        ...(input.description !== undefined ? { description: input.description } : {}),
        statement,
        enforcementMode: input.enforcementMode ?? 'ACTIVE',
      },
      new Date(),
    );
    if (!created) throw new ConflictException(`Policy ${input.name} already exists in this policy engine`);
    return this.describePolicy(created);
  }

  @Get('policy-engines/:policyEngineId/policies/:policyId')
  @Operation('GetPolicy', ANY)
  async getPolicy(@Param('policyEngineId') engineId: string, @Param('policyId') policyId: string) {
    const input = parseInput(policyIdInput, { policyEngineId: engineId, policyId });
    return this.describePolicy(await this.findPolicy(input.policyEngineId, input.policyId));
  }

  @Get('policy-engines/:policyEngineId/policies')
  @Operation('ListPolicies', ANY)
  async listPolicies(@Param('policyEngineId') engineId: string, @Query() query: unknown) {
    const input = parseInput(listPoliciesInput, { ...(query as object), policyEngineId: engineId });
    await this.findEngine(input.policyEngineId);
    const page = await paginate(input, 10, async (limit, after) =>
      (await this.engines.policyPage(input.policyEngineId, limit + 1, after)).map((policy) => ({
        name: policy.id,
        policy,
      })),
    );
    return { policies: page.items.map(({ policy }) => this.describePolicy(policy)), ...page.next };
  }

  @Patch('policy-engines/:policyEngineId/policies/:policyId')
  @HttpCode(202)
  @Operation('UpdatePolicy', ANY)
  async updatePolicy(
    @Param('policyEngineId') engineId: string,
    @Param('policyId') policyId: string,
    @Body() body: unknown,
  ) {
    const input = parseInput(updatePolicyInput, { ...(body as object), policyEngineId: engineId, policyId });
    await this.findPolicy(input.policyEngineId, input.policyId);
    const statement = input.definition?.cedar.statement;
    if (statement !== undefined)
      await checkStatement(statement, input.validationMode ?? 'FAIL_ON_ANY_FINDINGS');
    const updated = await this.engines.updatePolicy(
      input.policyEngineId,
      input.policyId,
      {
        ...(input.description ? { description: input.description.optionalValue ?? '' } : {}),
        ...(statement !== undefined ? { statement } : {}),
        ...(input.enforcementMode ? { enforcementMode: input.enforcementMode } : {}),
      },
      new Date(),
    );
    if (!updated) throw policyNotFound(policyId);
    return this.describePolicy(updated);
  }

  @Delete('policy-engines/:policyEngineId/policies/:policyId')
  @HttpCode(202)
  @Operation('DeletePolicy', ANY)
  async deletePolicy(@Param('policyEngineId') engineId: string, @Param('policyId') policyId: string) {
    const input = parseInput(policyIdInput, { policyEngineId: engineId, policyId });
    const policy = await this.findPolicy(input.policyEngineId, input.policyId);
    await this.engines.deletePolicy(policy.engineId, policy.id);
    return { ...this.describePolicy(policy), status: 'DELETING' };
  }

  /** Replaces what the engine decides: every release (`tokenVault`), and those of the named workload identities. */
  @Post('identities/AttachPolicyEngine')
  @HttpCode(200)
  @Operation('AttachPolicyEngine', ANY)
  async attach(@Body() body: unknown) {
    const input = parseInput(attachEngineInput, body);
    await this.findEngine(input.policyEngineId);
    const names = [...new Set(input.workloadIdentityNames ?? [])];
    for (const [index, name] of names.entries()) {
      if (!(await this.workloads.exists(name)))
        throw ValidationException.field(`workloadIdentityNames.${index}`, `names no workload identity`);
    }
    const updated = await this.engines.updateEngine(
      input.policyEngineId,
      { attachedToVault: input.tokenVault ?? false, attachedWorkloads: names },
      new Date(),
    );
    if (!updated) throw engineNotFound(input.policyEngineId);
    return this.describeEngine(updated);
  }

  @Post('identities/GetPolicySchema')
  @HttpCode(200)
  @Operation('GetPolicySchema', ANY)
  schema() {
    return { cedarSchema: CEDAR_SCHEMA };
  }

  private async findEngine(id: string): Promise<PolicyEngine> {
    const engine = isResourceId(id) ? await this.engines.findEngine(id) : undefined;
    if (!engine) throw engineNotFound(id);
    return engine;
  }

  private async findPolicy(engineId: string, policyId: string): Promise<Policy> {
    await this.findEngine(engineId);
    const policy = await this.engines.findPolicy(engineId, policyId);
    if (!policy) throw policyNotFound(policyId);
    return policy;
  }

  private describeEngine(engine: PolicyEngine) {
    return {
      policyEngineId: engine.id,
      policyEngineArn: policyEngineArn(this.config.deployment, engine.id),
      name: engine.name,
      ...(engine.description ? { description: engine.description } : {}),
      status: 'ACTIVE',
      statusReasons: [],
      createdAt: engine.createdAt.toISOString(),
      updatedAt: engine.updatedAt.toISOString(),
      // Mandate's extension: what the engine decides.
      attachedToTokenVault: engine.attachedToVault,
      attachedWorkloadIdentities: engine.attachedWorkloads,
    };
  }

  private describePolicy(policy: Policy) {
    return {
      policyId: policy.id,
      policyArn: policyArn(this.config.deployment, policy.engineId, policy.id),
      policyEngineId: policy.engineId,
      name: policy.name,
      ...(policy.description ? { description: policy.description } : {}),
      definition: { cedar: { statement: policy.statement } },
      enforcementMode: policy.enforcementMode,
      status: 'ACTIVE',
      statusReasons: [],
      createdAt: policy.createdAt.toISOString(),
      updatedAt: policy.updatedAt.toISOString(),
    };
  }
}

/** A statement that does not parse is always refused; one with findings only under FAIL_ON_ANY_FINDINGS. */
async function checkStatement(statement: string, mode: 'FAIL_ON_ANY_FINDINGS' | 'IGNORE_ALL_FINDINGS') {
  const findings = await checkPolicy(statement, mode === 'FAIL_ON_ANY_FINDINGS');
  if (!findings) return;
  const what = {
    parse: 'is not a Cedar policy',
    annotation: 'has an approval annotation Mandate cannot follow',
    validation: "has findings against Mandate's Cedar schema",
  }[findings.kind];
  throw ValidationException.field('definition.cedar.statement', `${what}: ${findings.messages.join('; ')}`);
}

const engineNotFound = (id: string) => new ResourceNotFoundException(`Policy engine ${id} does not exist`);
const policyNotFound = (id: string) => new ResourceNotFoundException(`Policy ${id} does not exist`);
