import { Module } from '@nestjs/common';
import { AuditLog } from '../../../../libs/audit/audit-log';
import { UserKeys } from '../../../../libs/consent/user-key';
import { Metrics } from '../../../../libs/metrics/metrics';
import { ReleasePolicy } from '../../../../libs/policy/release-policy';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { Client } from '@temporalio/client';
import { ReleaseApprovalsRepository } from '../../../../libs/approvals/release-approvals.repository';
import type { Config } from '../../../../libs/config/config';
import { ConsentPortalsRepository } from '../../../../libs/portal/consent-portals.repository';
import { ReleaseApprovals } from '../approvals/release-approvals';
import { CONFIG } from '../tokens';
import { PolicyEnginesController } from './policy-engines.controller';
import { ReleaseGuard } from './release-guard';

@Module({
  controllers: [PolicyEnginesController],
  providers: [
    {
      provide: ReleaseGuard,
      inject: [ReleasePolicy, WorkloadIdentitiesRepository, UserKeys, AuditLog, ReleaseApprovals, Metrics],
      useFactory: (
        policy: ReleasePolicy,
        workloads: WorkloadIdentitiesRepository,
        userKeys: UserKeys,
        audit: AuditLog,
        approvals: ReleaseApprovals,
        metrics: Metrics,
      ) => new ReleaseGuard(policy, workloads, userKeys, audit, approvals, metrics),
    },
    {
      provide: ReleaseApprovals,
      inject: [ReleaseApprovalsRepository, ConsentPortalsRepository, Client, CONFIG],
      useFactory: (
        approvals: ReleaseApprovalsRepository,
        portals: ConsentPortalsRepository,
        temporal: Client,
        config: Config,
      ) =>
        new ReleaseApprovals({
          approvals,
          portals,
          temporal,
          settings: {
            publicUrl: config.http.publicUrl,
            ttlMs: config.approvals.ttlMs,
            taskQueue: config.temporal.taskQueue,
          },
        }),
    },
  ],
  exports: [ReleaseGuard, ReleaseApprovals],
})
export class PolicyEnginesModule {}
