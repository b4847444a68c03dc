import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** AgentCore's ids of named resources (consent portals, policy engines, policies): the name, `-`, ten random letters and digits. */
export const newResourceId = (name: string) =>
  `${name}-${[...randomBytes(10)].map((byte) => ALPHABET[byte % 36]).join('')}`;
