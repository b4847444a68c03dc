#!/usr/bin/env node
// Installs the Go programs the local stack needs (see tools.json) into a per-user cache keyed by
// version, so clean clones and CI reuse one build; with --cluster, those of the production topology
// instead (cluster-tools.json: the Temporal server and its SQL tool). Plain Node with no
// dependencies: it runs right after `npm ci` and must not depend on anything the project builds.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cluster = process.argv.includes('--cluster');
const tools = JSON.parse(readFileSync(join(root, cluster ? 'cluster-tools.json' : 'tools.json'), 'utf8'));
const cacheRoot =
  process.env.MANDATE_TOOLS_DIR ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'mandate', 'tools');

const say = (line) => process.stdout.write(`[setup] ${line}\n`);

function onPath(name) {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

function goBinary() {
  if (onPath('go')) return 'go';
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  return undefined;
}

function goInstall(go, name, spec, targetDir) {
  return new Promise((resolve) => {
    mkdirSync(targetDir, { recursive: true });
    const started = Date.now();
    say(`building ${name} ${spec.version} with go install (this takes a few minutes on a fresh machine)`);
    const child = spawn(go, ['install', `${spec.module}@${spec.version}`], {
      env: {
        ...process.env,
        GOBIN: targetDir,
        GOFLAGS: '-mod=mod',
        // A module that needs a newer Go names the toolchain; the Go proxy serves it.
        ...(spec.goToolchain ? { GOTOOLCHAIN: spec.goToolchain } : {}),
      },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let lastLines = [];
    child.stderr.on('data', (chunk) => {
      const text = chunk.toString();
      process.stderr.write(text);
      lastLines = [...lastLines, ...text.split('\n').filter(Boolean)].slice(-5);
    });
    const ticker = setInterval(
      () => say(`  ${name}: still building, ${Math.round((Date.now() - started) / 1000)} s so far`),
      20_000,
    );
    child.on('close', (code) => {
      clearInterval(ticker);
      const seconds = Math.round((Date.now() - started) / 1000);
      // go install names the binary after the module's last path element (`server` for the UI
      // server); the cache keeps it under the tool's own name.
      const built = join(targetDir, spec.module.split('/').pop());
      if (code === 0 && built !== join(targetDir, name)) renameSync(built, join(targetDir, name));
      if (code === 0 && spec.schema) copySchema(go, spec, targetDir);
      if (code === 0) say(`${name} ${spec.version} built in ${seconds} s`);
      else rmSync(targetDir, { recursive: true, force: true });
      resolve({ ok: code === 0, detail: lastLines.join('\n') });
    });
  });
}

/** Files the tool reads at run time from its module's source (the Temporal server's SQL schemas). */
function copySchema(go, spec, targetDir) {
  const modCache = spawnSync(go, ['env', 'GOMODCACHE'], {
    encoding: 'utf8',
    env: { ...process.env, ...(spec.goToolchain ? { GOTOOLCHAIN: spec.goToolchain } : {}) },
  }).stdout.trim();
  cpSync(
    join(modCache, `${spec.schema.module}@${spec.version}`, spec.schema.dir),
    join(targetDir, 'schema'),
    {
      recursive: true,
    },
  );
  spawnSync('chmod', ['-R', 'u+w', join(targetDir, 'schema')]);
}

let failed = false;
for (const [name, spec] of Object.entries(tools)) {
  const targetDir = join(cacheRoot, `${name}-${spec.version}`);
  const cached = join(targetDir, name);
  if (existsSync(cached)) {
    say(`${name} ${spec.version}: already installed at ${cached}`);
    continue;
  }
  const fromPath = onPath(name);
  if (fromPath) {
    say(`${name}: using ${fromPath} from PATH`);
    continue;
  }
  const go = goBinary();
  if (!go) {
    const message = `${name} is not installed and Go is not available to build it. Install Go 1.25 or later (https://go.dev/doc/install) and run \`npm run setup\` again, or put a ${name} binary on PATH.`;
    if (spec.optional) say(`${message} Continuing without it.`);
    else {
      say(message);
      failed = true;
    }
    continue;
  }
  const result = await goInstall(go, name, spec, targetDir);
  if (result.ok) continue;
  if (spec.optional) {
    say(`${name} ${spec.version} could not be installed (last output below); continuing without it.`);
    say(`  ${spec.why}`);
  } else {
    say(`${name} ${spec.version} could not be installed; the local stack needs it.`);
    failed = true;
  }
  for (const line of result.detail.split('\n')) say(`  | ${line}`);
}

if (failed) process.exit(1);
say('tools ready');
