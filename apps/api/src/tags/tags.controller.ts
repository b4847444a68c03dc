import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { parseInput } from '../../../../libs/wire/validation';
import { Operation, type RequestParts, type ResourceRef } from '../wire/operation.decorator';
import { queryList, resourceArn, tagResourceInput, untagResourceInput } from './tags.schemas';
import { TagsService } from './tags.service';
import { z } from 'zod';

/** The workload a tagged ARN belongs to, for the policy check. */
/** The tagged resource is the ARN in the path. */
const taggedResource = ({ params }: RequestParts): ResourceRef[] => [
  { kind: 'arn', arn: params.resourceArn },
];

/** AgentCore's tagging operations at `/tags/{resourceArn}`. */
@Controller('tags')
export class TagsController {
  constructor(@Inject(TagsService) private readonly service: TagsService) {}

  @Get(':resourceArn')
  @Operation('ListTagsForResource', { resources: taggedResource })
  list(@Param('resourceArn') arn: string) {
    return this.service.list(parseInput(z.object({ resourceArn }), { resourceArn: arn }).resourceArn);
  }

  @Post(':resourceArn')
  @HttpCode(204)
  @Operation('TagResource', { resources: taggedResource })
  async tag(@Param('resourceArn') arn: string, @Body() body: unknown): Promise<void> {
    const input = parseInput(tagResourceInput, { ...(body as object), resourceArn: arn });
    await this.service.tag(input.resourceArn, input.tags);
  }

  @Delete(':resourceArn')
  @HttpCode(204)
  @Operation('UntagResource', { resources: taggedResource })
  async untag(@Param('resourceArn') arn: string, @Query('tagKeys') tagKeys: unknown): Promise<void> {
    const input = parseInput(untagResourceInput, { resourceArn: arn, tagKeys: queryList(tagKeys) });
    await this.service.untag(input.resourceArn, input.tagKeys);
  }
}
