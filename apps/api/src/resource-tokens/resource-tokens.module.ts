import { Module } from '@nestjs/common';
import type { Runtime } from '../../../../libs/runtime/runtime';
import { RUNTIME } from '../tokens';
import { ConsentController } from './consent.controller';
import { ConsentService } from './consent.service';

@Module({
  controllers: [ConsentController],
  providers: [
    {
      provide: ConsentService,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) => new ConsentService(runtime),
    },
  ],
})
export class ConsentModule {}
