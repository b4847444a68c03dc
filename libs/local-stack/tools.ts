import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { toolsCacheDir } from '../config/tools-dir';

interface ToolSpec {
  module: string;
  version: string;
  optional?: boolean;
}

/**
 * The Go programs `npm run setup` installs (the keys of tools.json), and those of the production
 * topology that `npm run setup:cluster` installs (cluster-tools.json).
 */
export type ToolName =
  'temporal' | 'temporal-ui-server' | 'local-kms' | 'temporal-server' | 'temporal-sql-tool';

const repoRoot = resolve(__dirname, '..', '..');
const clusterTools = JSON.parse(readFileSync(join(repoRoot, 'cluster-tools.json'), 'utf8')) as Record<
  string,
  ToolSpec
>;
const specs = {
  ...(JSON.parse(readFileSync(join(repoRoot, 'tools.json'), 'utf8')) as Record<string, ToolSpec>),
  ...clusterTools,
};

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
    const setup = name in clusterTools ? 'npm run setup:cluster' : 'npm run setup';
    throw new Error(`${name} is not installed. Run \`${setup}\` first (it builds ${name} with Go).`);
  }
  return path;
}
