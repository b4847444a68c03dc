import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { parseInput } from '../../../../libs/wire/validation';
import { Operation, type RequestParts } from '../wire/operation.decorator';
import { queryList, resourceArn, tagResourceInput, untagResourceInput } from './tags.schemas';
import { TagsService } from './tags.service';
import { z } from 'zod';

/** The workload a tagged ARN belongs to, for the policy check. */
const workloadInArn = ({ params }: RequestParts) =>
  /\/workload-identity\/([^/]+)$/.exec(params.resourceArn ?? '')?.[1];

/** AgentCore's tagging operations at `/tags/{resourceArn}`. */
@Controller('tags')
export class TagsController {
  constructor(@Inject(TagsService) private readonly service: TagsService) {}

  @Get(':resourceArn')
  @Operation('ListTagsForResource', { workload: workloadInArn })
  list(@Param('resourceArn') arn: string) {
    return this.service.list(parseInput(z.object({ resourceArn }), { resourceArn: arn }).resourceArn);
  }

  @Post(':resourceArn')
  @HttpCode(204)
  @Operation('TagResource', { workload: workloadInArn })
  async tag(@Param('resourceArn') arn: string, @Body() body: unknown): Promise<void> {
    const input = parseInput(tagResourceInput, { ...(body as object), resourceArn: arn });
    await this.service.tag(input.resourceArn, input.tags);
  }

  @Delete(':resourceArn')
  @HttpCode(204)
  @Operation('UntagResource', { workload: workloadInArn })
  async untag(@Param('resourceArn') arn: string, @Query('tagKeys') tagKeys: unknown): Promise<void> {
    const input = parseInput(untagResourceInput, { resourceArn: arn, tagKeys: queryList(tagKeys) });
    await this.service.untag(input.resourceArn, input.tagKeys);
  }
}
