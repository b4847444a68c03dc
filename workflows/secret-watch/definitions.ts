import { defineQuery } from '@temporalio/workflow';

export interface SecretWatchInput {
  /** The external secret's ARN: a reference, never a value. */
  arn: string;
  intervalMs: number;
  /** Rotations seen by earlier runs (continue-as-new keeps counting). */
  rotations?: number;
}

export interface SecretWatchStatus {
  checks: number;
  rotations: number;
  /** Checks that failed after their retries (Secrets Manager unreachable, access lost). */
  failures: number;
}

export const secretWatchStatusQuery = defineQuery<SecretWatchStatus>('secretWatchStatusQuery');

/** One watch per secret, however many providers use it. */
export const secretWatchWorkflowId = (arn: string) => `secret-watch:${arn}`;
