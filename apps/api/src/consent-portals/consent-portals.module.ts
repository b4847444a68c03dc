import { Module } from '@nestjs/common';
import { ConsentPortalsController } from './consent-portals.controller';

@Module({ controllers: [ConsentPortalsController] })
export class ConsentPortalsModule {}
