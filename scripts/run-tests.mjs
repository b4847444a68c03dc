#!/usr/bin/env node
// Runs the test suite with Node's test runner (TypeScript through tsx). `unit` runs only the tests
// that need no running services; the default runs everything. Node 20's runner takes no globs,
// so the files are listed here.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skipDirs = new Set(['node_modules', 'dist', '.mandate', '.git']);

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return skipDirs.has(entry.name) ? [] : find(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const unitOnly = process.argv[2] === 'unit';
const files = find(root)
  .filter((file) => !unitOnly || !file.startsWith('test/e2e/'))
  .sort();
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
