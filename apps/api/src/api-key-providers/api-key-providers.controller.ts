import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { parseInput } from '../../../../libs/wire/validation';
import { listInput, providerNameInput } from '../credential-providers/credential-provider.schemas';
import { named, Operation } from '../wire/operation.decorator';
import { createApiKeyProviderInput, updateApiKeyProviderInput } from './api-key-provider.schemas';
import { ApiKeyProvidersService } from './api-key-providers.service';

/** API key credential providers (control plane); GetResourceApiKey is a data-plane route. */
@Controller('identities')
export class ApiKeyProvidersController {
  constructor(@Inject(ApiKeyProvidersService) private readonly service: ApiKeyProvidersService) {}

  @Post('CreateApiKeyCredentialProvider')
  @HttpCode(201)
  @Operation('CreateApiKeyCredentialProvider', { resources: named('apikey', 'name') })
  create(@Body() body: unknown) {
    return this.service.create(parseInput(createApiKeyProviderInput, body));
  }

  @Post('GetApiKeyCredentialProvider')
  @HttpCode(200)
  @Operation('GetApiKeyCredentialProvider', { resources: named('apikey', 'name') })
  get(@Body() body: unknown) {
    return this.service.get(parseInput(providerNameInput, body).name);
  }

  @Post('ListApiKeyCredentialProviders')
  @HttpCode(200)
  @Operation('ListApiKeyCredentialProviders')
  list(@Body() body: unknown) {
    return this.service.list(parseInput(listInput(100), body));
  }

  @Post('UpdateApiKeyCredentialProvider')
  @HttpCode(200)
  @Operation('UpdateApiKeyCredentialProvider', { resources: named('apikey', 'name') })
  update(@Body() body: unknown) {
    return this.service.update(parseInput(updateApiKeyProviderInput, body));
  }

  @Post('DeleteApiKeyCredentialProvider')
  @HttpCode(204)
  @Operation('DeleteApiKeyCredentialProvider', { resources: named('apikey', 'name') })
  async delete(@Body() body: unknown): Promise<void> {
    await this.service.delete(parseInput(providerNameInput, body).name);
  }
}
