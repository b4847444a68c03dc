/**
 * The `groups` claim of verified JWT claims, as policies and approvals read it: its strings only,
 * at most 100 (an IdP that sends more is cut off, never trusted with an unbounded list).
 */
export function groupsClaim(claims: Record<string, unknown>): string[] {
  const groups = claims.groups;
  return Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string').slice(0, 100) : [];
}
