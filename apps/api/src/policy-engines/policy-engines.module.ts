import { Module } from '@nestjs/common';
import { AuditLog } from '../../../../libs/audit/audit-log';
import { UserKeys } from '../../../../libs/consent/user-key';
import { Metrics } from '../../../../libs/metrics/metrics';
import { ReleasePolicy } from '../../../../libs/policy/release-policy';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { PolicyEnginesController } from './policy-engines.controller';
import { ReleaseGuard } from './release-guard';

@Module({
  controllers: [PolicyEnginesController],
  providers: [
    {
      provide: ReleaseGuard,
      inject: [ReleasePolicy, WorkloadIdentitiesRepository, UserKeys, AuditLog, Metrics],
      useFactory: (
        policy: ReleasePolicy,
        workloads: WorkloadIdentitiesRepository,
        userKeys: UserKeys,
        audit: AuditLog,
        metrics: Metrics,
      ) => new ReleaseGuard(policy, workloads, userKeys, audit, metrics),
    },
  ],
  exports: [ReleaseGuard],
})
export class PolicyEnginesModule {}
