#!/usr/bin/env node
// Runs the test suite with Node's test runner (TypeScript through tsx). `unit` runs only the tests
// that need no running services; `scale-out` runs the production topology's suite (test/scale-out,
// which needs `npm run setup:cluster`); the default runs everything else. Node 20's runner takes no
// globs, so the files are listed here.
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

const mode = process.argv[2];
const scaleOut = (file) => file.startsWith('test/scale-out/');
const files = find(root)
  .filter((file) =>
    mode === 'scale-out'
      ? scaleOut(file)
      : !scaleOut(file) && (mode !== 'unit' || !file.startsWith('test/e2e/')),
  )
  .sort();
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
