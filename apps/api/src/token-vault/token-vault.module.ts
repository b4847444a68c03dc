import { Module } from '@nestjs/common';
import { TokenVaultKeys } from '../../../../libs/vault/token-vault';
import { REWRAP_VAULT } from '../tokens';
import { TokenVaultController } from './token-vault.controller';
import { TokenVaultService } from './token-vault.service';

@Module({
  controllers: [TokenVaultController],
  providers: [
    {
      provide: TokenVaultService,
      inject: [TokenVaultKeys, REWRAP_VAULT],
      useFactory: (keys: TokenVaultKeys, rewrap: () => Promise<void>) => new TokenVaultService(keys, rewrap),
    },
  ],
})
export class TokenVaultModule {}
