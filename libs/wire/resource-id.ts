import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** AgentCore's ids of named resources (consent portals, policy engines, policies): the name, `-`, ten random letters and digits. */
export const newResourceId = (name: string) =>
  `${name}-${[...randomBytes(10)].map((byte) => ALPHABET[byte % 36]).join('')}`;

/** Whether `id` has the shape `newResourceId` gives (the name part: a letter, then letters, digits, - or _). */
export const isResourceId = (id: string) => /^[A-Za-z][A-Za-z0-9_-]{0,47}-[a-z0-9]{10}$/.test(id);
