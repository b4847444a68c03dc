import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { parseInput } from '../../../../libs/wire/validation';
import { named, Operation, stringField } from '../wire/operation.decorator';
import { forJwtInput, forUserIdInput, workloadNameInput } from './workload-access-token.schemas';
import { WorkloadAccessTokensService } from './workload-access-tokens.service';

/** AgentCore data-plane operations that mint workload access tokens. */
@Controller('identities')
export class WorkloadAccessTokensController {
  constructor(@Inject(WorkloadAccessTokensService) private readonly service: WorkloadAccessTokensService) {}

  @Post('GetWorkloadAccessToken')
  @HttpCode(200)
  @Operation('GetWorkloadAccessToken', { resources: named('workload', 'workloadName') })
  forWorkload(@Body() body: unknown) {
    return this.service.forWorkload(parseInput(workloadNameInput, body).workloadName);
  }

  @Post('GetWorkloadAccessTokenForJWT')
  @HttpCode(200)
  @Operation('GetWorkloadAccessTokenForJWT', { resources: named('workload', 'workloadName') })
  forJwt(@Body() body: unknown) {
    const input = parseInput(forJwtInput, body);
    return this.service.forJwt(input.workloadName, input.userToken);
  }

  @Post('GetWorkloadAccessTokenForUserId')
  @HttpCode(200)
  @Operation('GetWorkloadAccessTokenForUserId', {
    resources: named('workload', 'workloadName'),
    context: (request) => ({ 'bedrock-agentcore:UserId': stringField(request, 'userId') }),
  })
  forUserId(@Body() body: unknown) {
    const input = parseInput(forUserIdInput, body);
    return this.service.forUserId(input.workloadName, input.userId);
  }
}
