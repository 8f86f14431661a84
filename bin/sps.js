#!/usr/bin/env node
// Runs the compiled CLI (npm run build); during development use `npm run sps -- <command>`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/src/cli/sps.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  process.stderr.write('sps: the CLI is not built yet; run `npm run build` (or use `npm run sps -- <command>` in a checkout)\n');
  process.exit(1);
}
await import(compiled.href);
