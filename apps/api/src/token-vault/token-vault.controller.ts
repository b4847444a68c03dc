import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { z } from 'zod';
import { parseInput } from '../../../../libs/wire/validation';
import { Operation } from '../wire/operation.decorator';
import { TokenVaultService } from './token-vault.service';

const tokenVaultId = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[a-zA-Z0-9\-_]+$/, 'must match [a-zA-Z0-9-_]+');

const kmsConfiguration = z.object({
  keyType: z.enum(['CustomerManagedKey', 'ServiceManagedKey']),
  kmsKeyArn: z
    .string()
    .min(1)
    .max(2048)
    .regex(
      /^arn:aws(|-cn|-us-gov):kms:[a-zA-Z0-9-]*:[0-9]{12}:key\/[a-zA-Z0-9-]{36}$/,
      'must be a KMS key ARN',
    )
    .optional(),
});

/** GetTokenVault and SetTokenVaultCMK at AgentCore's paths. */
@Controller('identities')
export class TokenVaultController {
  constructor(@Inject(TokenVaultService) private readonly service: TokenVaultService) {}

  @Post('get-token-vault')
  @HttpCode(200)
  @Operation('GetTokenVault', { resources: () => [{ kind: 'tokenVault' }] })
  get(@Body() body: unknown) {
    return this.service.get(
      parseInput(z.object({ tokenVaultId: tokenVaultId.optional() }), body).tokenVaultId,
    );
  }

  @Post('set-token-vault-cmk')
  @HttpCode(200)
  @Operation('SetTokenVaultCMK', { resources: () => [{ kind: 'tokenVault' }] })
  set(@Body() body: unknown) {
    const input = parseInput(z.object({ tokenVaultId: tokenVaultId.optional(), kmsConfiguration }), body);
    return this.service.set(input.tokenVaultId, input.kmsConfiguration);
  }
}
