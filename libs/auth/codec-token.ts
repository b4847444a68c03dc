import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * The token that opens the payload codec endpoint to an operator's Temporal UI: from the
 * environment, else kept in the data folder (mode 0600), created on first start.
 */
export function loadCodecToken(options: { fromEnvironment?: string; file: string }): string {
  if (options.fromEnvironment) return options.fromEnvironment;
  if (existsSync(options.file)) return readFileSync(options.file, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(options.file, token, { mode: 0o600 });
  return token;
}

export function sameToken(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
