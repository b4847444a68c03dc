import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { RUNTIME } from '../tokens';
import { TokenVaultController } from './token-vault.controller';
import { TokenVaultService } from './token-vault.service';

@Module({
  controllers: [TokenVaultController],
  providers: [
    {
      provide: TokenVaultService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) => new TokenVaultService(runtime),
    },
  ],
})
export class TokenVaultModule {}
