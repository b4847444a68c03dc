import { ValidationException } from './errors';
import { storable } from './text';

/**
 * Opaque `nextToken`s: the sort key of the last item served, base64url-encoded with a version tag so
 * the format can change without breaking clients that hold an old token.
 *
 * @example
 * const token = encodeNextToken('agent-20');
 * decodeNextToken(token); // 'agent-20'
 */
export function encodeNextToken(after: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after }), 'utf8').toString('base64url');
}

export function decodeNextToken(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'v' in parsed &&
      parsed.v === 1 &&
      'after' in parsed &&
      typeof parsed.after === 'string' &&
      storable(parsed.after)
    ) {
      return parsed.after;
    }
  } catch {
    // fall through: any undecodable token is the caller's mistake
  }
  throw ValidationException.field('nextToken', 'is not a token this service issued');
}

/**
 * One page of a name-ordered listing. The repository is asked for one row more than the page holds;
 * that extra row only says whether a next page exists.
 *
 * @example
 * const page = await paginate({ nextToken, maxResults }, 10, (limit, after) => repository.page(limit, after));
 * return { workloadIdentities: page.items.map(describe), ...page.next };
 */
export async function paginate<T extends { name: string }>(
  input: { nextToken?: string; maxResults?: number },
  defaultSize: number,
  fetchPage: (limit: number, after: string | undefined) => Promise<T[]>,
): Promise<{ items: T[]; next: { nextToken?: string } }> {
  const limit = input.maxResults ?? defaultSize;
  const rows = await fetchPage(limit, decodeNextToken(input.nextToken));
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next: rows.length > limit && last ? { nextToken: encodeNextToken(last.name) } : {} };
}
