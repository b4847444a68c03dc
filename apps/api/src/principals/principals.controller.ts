import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { parseInput } from '../../../../libs/wire/validation';
import { named, Operation } from '../wire/operation.decorator';
import {
  accessKeyInput,
  createPrincipalInput,
  listPrincipalsInput,
  principalNameInput,
  updatePrincipalInput,
} from './principal.schemas';
import { PrincipalsService } from './principals.service';

/** Mandate extension: principals and their access keys, signed like every operation. */
@Controller('identities')
export class PrincipalsController {
  constructor(@Inject(PrincipalsService) private readonly service: PrincipalsService) {}

  @Post('CreatePrincipal')
  @HttpCode(201)
  @Operation('CreatePrincipal', { resources: named('principal', 'name') })
  create(@Body() body: unknown) {
    return this.service.create(parseInput(createPrincipalInput, body));
  }

  @Post('GetPrincipal')
  @HttpCode(200)
  @Operation('GetPrincipal', { resources: named('principal', 'name') })
  get(@Body() body: unknown) {
    return this.service.get(parseInput(principalNameInput, body).name);
  }

  @Post('ListPrincipals')
  @HttpCode(200)
  @Operation('ListPrincipals')
  list(@Body() body: unknown) {
    return this.service.list(parseInput(listPrincipalsInput, body));
  }

  @Post('UpdatePrincipal')
  @HttpCode(200)
  @Operation('UpdatePrincipal', { resources: named('principal', 'name') })
  update(@Body() body: unknown) {
    return this.service.update(parseInput(updatePrincipalInput, body));
  }

  @Post('DeletePrincipal')
  @HttpCode(204)
  @Operation('DeletePrincipal', { resources: named('principal', 'name') })
  async delete(@Body() body: unknown): Promise<void> {
    await this.service.delete(parseInput(principalNameInput, body).name);
  }

  @Post('CreatePrincipalAccessKey')
  @HttpCode(201)
  @Operation('CreatePrincipalAccessKey', { resources: named('principal', 'name') })
  createKey(@Body() body: unknown) {
    return this.service.createKey(parseInput(principalNameInput, body).name);
  }

  @Post('ListPrincipalAccessKeys')
  @HttpCode(200)
  @Operation('ListPrincipalAccessKeys', { resources: named('principal', 'name') })
  listKeys(@Body() body: unknown) {
    return this.service.listKeys(parseInput(principalNameInput, body).name);
  }

  @Post('DeletePrincipalAccessKey')
  @HttpCode(204)
  @Operation('DeletePrincipalAccessKey', { resources: named('principal', 'name') })
  async deleteKey(@Body() body: unknown): Promise<void> {
    const input = parseInput(accessKeyInput, body);
    await this.service.deleteKey(input.name, input.accessKeyId);
  }
}
