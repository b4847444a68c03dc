import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { z } from 'zod';
import { parseInput } from '../../../../libs/wire/validation';
import { Operation, type RequestParts, type ResourceRef } from '../wire/operation.decorator';
import { resourceArn } from '../tags/tags.schemas';
import { ResourcePoliciesService } from './resource-policies.service';

/** The resource whose policy is read or changed is the ARN in the path. */
const policyResource = ({ params }: RequestParts): ResourceRef[] => [
  { kind: 'arn', arn: params.resourceArn },
];

const arnInput = z.object({ resourceArn });
const putInput = z.object({
  resourceArn,
  policy: z.string().min(1, 'must not be empty').max(20_480, 'must be at most 20480 characters'),
});

/** AgentCore's resource policy operations at `/resourcepolicy/{resourceArn}`. */
@Controller('resourcepolicy')
export class ResourcePoliciesController {
  constructor(@Inject(ResourcePoliciesService) private readonly service: ResourcePoliciesService) {}

  @Put(':resourceArn')
  @HttpCode(201)
  @Operation('PutResourcePolicy', { resources: policyResource })
  put(@Param('resourceArn') arn: string, @Body() body: unknown) {
    const input = parseInput(putInput, { ...(body as object), resourceArn: arn });
    return this.service.put(input.resourceArn, input.policy);
  }

  @Get(':resourceArn')
  @Operation('GetResourcePolicy', { resources: policyResource })
  get(@Param('resourceArn') arn: string) {
    return this.service.get(parseInput(arnInput, { resourceArn: arn }).resourceArn);
  }

  @Delete(':resourceArn')
  @HttpCode(204)
  @Operation('DeleteResourcePolicy', { resources: policyResource })
  async delete(@Param('resourceArn') arn: string): Promise<void> {
    await this.service.delete(parseInput(arnInput, { resourceArn: arn }).resourceArn);
  }
}
