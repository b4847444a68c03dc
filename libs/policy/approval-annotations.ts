/**
 * How a Cedar policy asks for a person's approval: a forbid policy annotated
 *
 *     @approval("user")              the user the token is for approves
 *     @approval("group:security")    a member of the IdP group "security" approves
 *     @approvalWindow("3600")        the approver may grant up to an hour of such releases (else one)
 *
 * whose condition lets approved releases through (`unless { context.approved }`). Cedar decides
 * whether an approval would lift a refusal: Mandate asks again with `approved: true`.
 */
export interface ApprovalRule {
  /** `user` or `group:<name>`. */
  approver: string;
  /** The longest window of releases an approver may grant; 0: this one release only. */
  windowSeconds: number;
}

/** The longest window an annotation may allow: a week. */
export const MAX_APPROVAL_WINDOW_SECONDS = 7 * 24 * 3600;
const APPROVER = /^(user|group:[^\s,]{1,128})$/;

/**
 * The approval rule of a policy's annotations; a string saying what is wrong with them, or
 * undefined for a policy that asks for no approval.
 */
export function approvalRule(
  annotations: Record<string, string | null> | undefined,
): ApprovalRule | string | undefined {
  const approver = annotations?.approval;
  const window = annotations?.approvalWindow;
  if (approver === undefined) {
    return window === undefined ? undefined : '@approvalWindow needs an @approval annotation';
  }
  if (approver === null || !APPROVER.test(approver)) {
    return '@approval must be "user" or "group:<name>"';
  }
  if (window === undefined) return { approver, windowSeconds: 0 };
  const seconds = window === null || !/^\d{1,7}$/.test(window) ? NaN : Number(window);
  if (!(seconds >= 0 && seconds <= MAX_APPROVAL_WINDOW_SECONDS)) {
    return `@approvalWindow must be a number of seconds from 0 to ${MAX_APPROVAL_WINDOW_SECONDS}`;
  }
  return { approver, windowSeconds: seconds };
}
