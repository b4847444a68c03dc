import { Module } from '@nestjs/common';
import { loadCodecToken } from '../../../../libs/auth/codec-token';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { RUNTIME } from '../tokens';
import { CODEC_TOKEN, CodecController } from './codec.controller';

@Module({
  controllers: [CodecController],
  providers: [
    {
      provide: CODEC_TOKEN,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) =>
        loadCodecToken({
          fromEnvironment: runtime.config.auth.codecToken,
          file: runtime.config.auth.codecTokenFile,
        }),
    },
  ],
})
export class CodecModule {}
