import { Module } from '@nestjs/common';
import { PolicyEnginesModule } from '../policy-engines/policy-engines.module';
import { ApprovalsController } from './approvals.controller';

@Module({ imports: [PolicyEnginesModule], controllers: [ApprovalsController] })
export class ApprovalsModule {}
