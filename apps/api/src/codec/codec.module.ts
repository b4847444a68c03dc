import { Module } from '@nestjs/common';
import { loadCodecToken } from '../../../../libs/auth/codec-token';
import type { Config } from '../../../../libs/config/config';
import { CONFIG } from '../tokens';
import { CODEC_TOKEN, CodecController } from './codec.controller';

@Module({
  controllers: [CodecController],
  providers: [
    {
      provide: CODEC_TOKEN,
      inject: [CONFIG],
      useFactory: (config: Config) =>
        loadCodecToken({ fromEnvironment: config.auth.codecToken, file: config.auth.codecTokenFile }),
    },
  ],
})
export class CodecModule {}
