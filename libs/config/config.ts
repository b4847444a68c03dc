import { CodedError } from '../errors/coded-error';
import { environmentSchema, pairProblems, toConfig, type Config } from './config.schema';

/** Raised when the environment has one or more bad values; `problems` lists every one of them. */
export class ConfigError extends CodedError<'invalid_config'> {
  constructor(readonly problems: readonly string[]) {
    super('invalid_config', `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses the environment once. Empty strings count as unset, so `FOO=` in a shell or compose file
 * falls back to the default instead of failing on an empty value.
 *
 * @example
 * const config = loadConfig(process.env);
 * config.http.port; // 8088 unless MANDATE_PORT is set
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environmentSchema.safeParse(present);
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`)),
    ...pairProblems(present),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return toConfig(parsed.data);
}

/** Overrides applied on top of the process environment, as tests and the local stack do. */
export function loadConfigWith(overrides: Record<string, string | undefined>): Config {
  return loadConfig({ ...process.env, ...overrides });
}

export type { Config } from './config.schema';
