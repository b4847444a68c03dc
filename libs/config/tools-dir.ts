import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where `npm run setup` puts the Go programs of the local stack (one folder per name and version).
 * Kept apart from the Mandate configuration: the setup script and the test helpers need it before
 * any configuration exists.
 */
export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.MANDATE_TOOLS_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mandate', 'tools');
}
