import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { parseInput } from '../../../../libs/wire/validation';
import { named, Operation } from '../wire/operation.decorator';
import { authorizerNameInput, putAuthorizerInput } from './jwt-authorizer.schemas';
import { JwtAuthorizersService } from './jwt-authorizers.service';

/** Mandate extension: the JWT issuer a workload identity trusts, next to the workload identity operations. */
@Controller('identities')
export class JwtAuthorizersController {
  constructor(@Inject(JwtAuthorizersService) private readonly service: JwtAuthorizersService) {}

  @Post('PutWorkloadIdentityAuthorizer')
  @HttpCode(200)
  @Operation('PutWorkloadIdentityAuthorizer', { resources: named('workload', 'name') })
  put(@Body() body: unknown) {
    const input = parseInput(putAuthorizerInput, body);
    return this.service.put(input.name, input.authorizerConfiguration.customJWTAuthorizer);
  }

  @Post('GetWorkloadIdentityAuthorizer')
  @HttpCode(200)
  @Operation('GetWorkloadIdentityAuthorizer', { resources: named('workload', 'name') })
  get(@Body() body: unknown) {
    return this.service.get(parseInput(authorizerNameInput, body).name);
  }

  @Post('DeleteWorkloadIdentityAuthorizer')
  @HttpCode(204)
  @Operation('DeleteWorkloadIdentityAuthorizer', { resources: named('workload', 'name') })
  async delete(@Body() body: unknown): Promise<void> {
    await this.service.delete(parseInput(authorizerNameInput, body).name);
  }
}
