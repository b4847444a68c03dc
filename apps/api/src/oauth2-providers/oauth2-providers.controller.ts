import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { parseInput } from '../../../../libs/wire/validation';
import { listInput, providerNameInput } from '../credential-providers/credential-provider.schemas';
import { named, Operation } from '../wire/operation.decorator';
import { createOauth2ProviderInput, updateOauth2ProviderInput } from './oauth2-provider.schemas';
import { Oauth2ProvidersService } from './oauth2-providers.service';

/** OAuth2 credential providers at AgentCore's control-plane paths. */
@Controller('identities')
export class Oauth2ProvidersController {
  constructor(@Inject(Oauth2ProvidersService) private readonly service: Oauth2ProvidersService) {}

  @Post('CreateOauth2CredentialProvider')
  @HttpCode(201)
  @Operation('CreateOauth2CredentialProvider', { resources: named('oauth2', 'name') })
  create(@Body() body: unknown) {
    return this.service.create(parseInput(createOauth2ProviderInput, body));
  }

  @Post('GetOauth2CredentialProvider')
  @HttpCode(200)
  @Operation('GetOauth2CredentialProvider', { resources: named('oauth2', 'name') })
  get(@Body() body: unknown) {
    return this.service.get(parseInput(providerNameInput, body).name);
  }

  @Post('ListOauth2CredentialProviders')
  @HttpCode(200)
  @Operation('ListOauth2CredentialProviders')
  list(@Body() body: unknown) {
    return this.service.list(parseInput(listInput(20), body));
  }

  @Post('UpdateOauth2CredentialProvider')
  @HttpCode(200)
  @Operation('UpdateOauth2CredentialProvider', { resources: named('oauth2', 'name') })
  update(@Body() body: unknown) {
    return this.service.update(parseInput(updateOauth2ProviderInput, body));
  }

  @Post('DeleteOauth2CredentialProvider')
  @HttpCode(204)
  @Operation('DeleteOauth2CredentialProvider', { resources: named('oauth2', 'name') })
  async delete(@Body() body: unknown): Promise<void> {
    await this.service.delete(parseInput(providerNameInput, body).name);
  }
}
