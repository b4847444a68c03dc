#!/usr/bin/env node
// The `mandate` CLI, run from the TypeScript sources as the rest of Mandate is (through tsx).
require('tsx/cjs');
require('../apps/cli/src/main.ts')
  .buildProgram()
  .parseAsync(process.argv)
  .catch((err) => {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 255;
  });
