import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toolsCacheDir } from '../config/tools-dir';

interface ToolSpec {
  module: string;
  version: string;
  optional?: boolean;
}

/** The Go programs `npm run setup` installs (the keys of tools.json). */
export type ToolName = 'temporal' | 'temporal-ui-server' | 'local-kms';

const repoRoot = resolve(__dirname, '..', '..');
const specs = JSON.parse(readFileSync(join(repoRoot, 'tools.json'), 'utf8')) as Record<string, ToolSpec>;

/**
 * Finds an installed tool: first the versioned cache that `npm run setup` fills, then PATH.
 *
 * @example
 * findTool('temporal'); // '/root/.cache/mandate/tools/temporal-v1.5.1/temporal'
 */
export function findTool(name: ToolName): string | undefined {
  const spec = specs[name];
  if (!spec) return undefined;
  const cached = join(toolsCacheDir(), `${name}-${spec.version}`, name);
  if (existsSync(cached)) return cached;
  const onPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return onPath.status === 0 ? onPath.stdout.trim() : undefined;
}

export function requireTool(name: ToolName): string {
  const path = findTool(name);
  if (!path) {
    throw new Error(`${name} is not installed. Run \`npm run setup\` first (it builds ${name} with Go).`);
  }
  return path;
}
