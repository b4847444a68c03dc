import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { MandateClient, ServiceError } from './client';
import { record, table, type Row } from './output';
import { resolveSettings, type GlobalOptions } from './settings';

/** What a command answers: the raw answer (for `--output json`) and how to show it to a person. */
export interface Answer {
  json: unknown;
  text?: string;
}

/** Exit codes as the AWS CLI's: 254 for an error the service answered, 255 for any other failure. */
export const SERVICE_ERROR_EXIT = 254;
export const OTHER_ERROR_EXIT = 255;

/**
 * Wraps a command's work: settings from the global options, a signed client, the answer printed as
 * a table or JSON, and errors printed as the AWS CLI prints them, with a non-zero exit code.
 */
export function action<A extends unknown[]>(
  program: Command,
  work: (client: MandateClient, ...args: A) => Promise<Answer | undefined>,
) {
  return async (...args: A): Promise<void> => {
    try {
      const settings = resolveSettings(program.opts<GlobalOptions>());
      const answer = await work(new MandateClient(settings), ...args);
      if (!answer) return;
      const text =
        settings.output === 'json' || answer.text === undefined
          ? JSON.stringify(answer.json, null, 2)
          : answer.text;
      process.stdout.write(`${text}\n`);
    } catch (err) {
      if (err instanceof ServiceError) {
        process.stderr.write(`An error occurred (${err.type}): ${err.message}\n`);
        process.exitCode = SERVICE_ERROR_EXIT;
      } else {
        process.stderr.write(`${(err as Error).message}\n`);
        process.exitCode = OTHER_ERROR_EXIT;
      }
    }
  };
}

/** A JSON document given inline, or as `file://<path>` as the AWS CLI takes them. */
export function jsonArgument(value: string, what: string): unknown {
  const text = value.startsWith('file://') ? readFileSync(value.slice('file://'.length), 'utf8') : value;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what} is not valid JSON`);
  }
}

/** `key=value` options collected into a record (tags, claim conditions). */
export const pairs = (value: string, previous: Record<string, string[]> = {}): Record<string, string[]> => {
  const at = value.indexOf('=');
  if (at <= 0) throw new Error(`${value} is not key=value`);
  const key = value.slice(0, at);
  return { ...previous, [key]: [...(previous[key] ?? []), value.slice(at + 1)] };
};

/** Repeated options collected into a list. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export const rows = (json: unknown, key: string, columns: string[]): Answer => ({
  json,
  text: table(((json as Record<string, unknown>)[key] as Row[] | undefined) ?? [], columns),
});

export const one = (json: Record<string, unknown>): Answer => ({ json, text: record(json) });

/** Every page of a `nextToken` list operation, as the AWS CLI pages by default. */
export async function allPages(
  client: MandateClient,
  operation: string,
  key: string,
  body: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const items: unknown[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.operation(operation, { ...body, ...(nextToken ? { nextToken } : {}) });
    items.push(...((page[key] as unknown[] | undefined) ?? []));
    nextToken = page.nextToken as string | undefined;
  } while (nextToken);
  return { [key]: items };
}
