import { Body, Controller, HttpCode, Inject, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ReleaseApproval } from '../../../../libs/approvals/release-approvals.repository';
import { groupsClaim } from '../../../../libs/auth/groups-claim';
import { JwtVerifier } from '../../../../libs/auth/jwt.verifier';
import { UserKeys } from '../../../../libs/consent/user-key';
import { MAX_APPROVAL_WINDOW_SECONDS } from '../../../../libs/policy/approval-annotations';
import {
  AccessDeniedException,
  ResourceNotFoundException,
  ValidationException,
} from '../../../../libs/wire/errors';
import { parseInput } from '../../../../libs/wire/validation';
import { WorkloadIdentitiesRepository } from '../../../../libs/workload-identities/workload-identities.repository';
import { Operation } from '../wire/operation.decorator';
import { approverLabel, mayApprove, ReleaseApprovals } from './release-approvals';

/** Only for operators, checked on `*`: the policies that allow them name the actions. */
const ANY = {};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const approvalId = z
  .string({ error: 'is required and must be a string' })
  .regex(UUID, 'is not an approval id this service issued');
const approvalIdInput = z.object({ approvalId });
const approveInput = z.object({
  approvalId,
  /** Who approves, as the channel verified them: a user id, or a JWT the workload's authorizer verifies. */
  approver: z
    .object({
      userId: z.string().min(1).max(128).optional(),
      userToken: z.string().min(1).max(131_072).optional(),
    })
    .refine(
      (a) => (a.userId === undefined) !== (a.userToken === undefined),
      'must hold exactly one of userId and userToken',
    ),
  approvalWindowSeconds: z.number().int().min(0).max(MAX_APPROVAL_WINDOW_SECONDS).optional(),
});

/**
 * Mandate's extensions for approvals that policies ask for, for channels other than the consent
 * portal (a chat bot, a ticketing system): read what is asked, approve as a verified person, deny.
 * The decision travels to the approval's workflow, which records it.
 */
@Controller('identities')
export class ApprovalsController {
  constructor(
    @Inject(ReleaseApprovals) private readonly approvals: ReleaseApprovals,
    @Inject(WorkloadIdentitiesRepository) private readonly workloads: WorkloadIdentitiesRepository,
    @Inject(JwtVerifier) private readonly jwt: JwtVerifier,
    @Inject(UserKeys) private readonly userKeys: UserKeys,
  ) {}

  @Post('GetTokenReleaseApproval')
  @HttpCode(200)
  @Operation('GetTokenReleaseApproval', ANY)
  async get(@Body() body: unknown) {
    const input = parseInput(approvalIdInput, body);
    return describeApproval(await this.find(input.approvalId));
  }

  @Post('ApproveTokenRelease')
  @HttpCode(200)
  @Operation('ApproveTokenRelease', ANY)
  async approve(@Body() body: unknown, @Req() request: FastifyRequest) {
    const input = parseInput(approveInput, body);
    const approval = await this.find(input.approvalId);
    const window = input.approvalWindowSeconds ?? 0;
    if (window > approval.windowSeconds) {
      throw ValidationException.field(
        'approvalWindowSeconds',
        `may be at most ${approval.windowSeconds}, the window the policies allow`,
      );
    }
    const person = await this.person(approval, input.approver);
    if (!mayApprove(approval, person))
      throw new AccessDeniedException(
        `This approver is not ${approval.approvers.join(' and ')} of this request`,
      );
    await this.approvals.decide(approval, {
      approved: true,
      decidedBy: `api:${request.principal?.name ?? ''}:${approverLabel(approval, person)}`,
      windowSeconds: window,
    });
    return { approvalId: approval.id, status: 'APPROVED' };
  }

  @Post('DenyTokenRelease')
  @HttpCode(200)
  @Operation('DenyTokenRelease', ANY)
  async deny(@Body() body: unknown, @Req() request: FastifyRequest) {
    const input = parseInput(approvalIdInput, body);
    const approval = await this.find(input.approvalId);
    await this.approvals.decide(approval, {
      approved: false,
      decidedBy: `api:${request.principal?.name ?? ''}`,
      windowSeconds: 0,
    });
    return { approvalId: approval.id, status: 'DENIED' };
  }

  private async find(id: string): Promise<ReleaseApproval> {
    const approval = await this.approvals.find(id);
    if (!approval) throw new ResourceNotFoundException(`Approval ${id} does not exist`);
    return approval;
  }

  /** The approver as Mandate's users: a user id's hash, or a verified JWT's hash and its `groups`. */
  private async person(
    approval: ReleaseApproval,
    approver: { userId?: string; userToken?: string },
  ): Promise<{ userHashes: string[]; groups: string[] }> {
    if (approver.userId !== undefined)
      return { userHashes: [this.userKeys.hash({ kind: 'userId', userId: approver.userId })], groups: [] };
    const workload = await this.workloads.find(approval.workloadName);
    if (!workload?.jwtAuthorizer)
      throw new AccessDeniedException(`Workload identity ${approval.workloadName} trusts no JWT issuer`);
    const verified = await this.jwt.verify(approver.userToken ?? '', workload.jwtAuthorizer);
    return {
      userHashes: [this.userKeys.hash({ kind: 'jwt', iss: verified.iss, sub: verified.sub })],
      groups: groupsClaim(verified.payload),
    };
  }
}

/** What an approver is shown: names, scopes and the policies that ask; never a token or a user id. */
function describeApproval(approval: ReleaseApproval) {
  return {
    approvalId: approval.id,
    status: approval.status === 'PENDING' && approval.expiresAt <= new Date() ? 'EXPIRED' : approval.status,
    workloadIdentityName: approval.workloadName,
    resourceCredentialProviderName: approval.providerName,
    action: approval.action,
    oauth2Flow: approval.flow,
    scopes: approval.scopes,
    resources: approval.resources,
    audiences: approval.audiences,
    requestedBy: approval.caller,
    ...(approval.userHash ? { userHash: approval.userHash } : {}),
    policies: approval.policies.map((p) => ({
      policyEngineName: p.engine,
      ...(p.policy ? { policyName: p.policy } : {}),
    })),
    approvers: approval.approvers,
    maxApprovalWindowSeconds: approval.windowSeconds,
    createdAt: approval.createdAt.toISOString(),
    expiresAt: approval.expiresAt.toISOString(),
    ...(approval.decidedAt ? { decidedAt: approval.decidedAt.toISOString() } : {}),
    ...(approval.grantedUntil ? { approvedUntil: approval.grantedUntil.toISOString() } : {}),
  };
}
