import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { parseInput } from '../../../../libs/wire/validation';
import { named, Operation } from '../wire/operation.decorator';
import { WorkloadIdentitiesService } from './workload-identities.service';
import {
  createWorkloadIdentityInput,
  listWorkloadIdentitiesInput,
  updateWorkloadIdentityInput,
  workloadIdentityNameInput,
} from './workload-identity.schemas';

/** The workload identity directory at AgentCore's control-plane paths. */
@Controller('identities')
export class WorkloadIdentitiesController {
  constructor(@Inject(WorkloadIdentitiesService) private readonly service: WorkloadIdentitiesService) {}

  @Post('CreateWorkloadIdentity')
  @HttpCode(201)
  @Operation('CreateWorkloadIdentity', { resources: named('workload', 'name') })
  create(@Body() body: unknown) {
    return this.service.create(parseInput(createWorkloadIdentityInput, body));
  }

  @Post('GetWorkloadIdentity')
  @HttpCode(200)
  @Operation('GetWorkloadIdentity', { resources: named('workload', 'name') })
  get(@Body() body: unknown) {
    return this.service.get(parseInput(workloadIdentityNameInput, body).name);
  }

  @Post('ListWorkloadIdentities')
  @HttpCode(200)
  @Operation('ListWorkloadIdentities')
  list(@Body() body: unknown) {
    return this.service.list(parseInput(listWorkloadIdentitiesInput, body));
  }

  @Post('UpdateWorkloadIdentity')
  @HttpCode(200)
  @Operation('UpdateWorkloadIdentity', { resources: named('workload', 'name') })
  update(@Body() body: unknown) {
    return this.service.update(parseInput(updateWorkloadIdentityInput, body));
  }

  @Post('DeleteWorkloadIdentity')
  @HttpCode(204)
  @Operation('DeleteWorkloadIdentity', { resources: named('workload', 'name') })
  async delete(@Body() body: unknown): Promise<void> {
    await this.service.delete(parseInput(workloadIdentityNameInput, body).name);
  }
}
