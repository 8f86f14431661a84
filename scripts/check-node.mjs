#!/usr/bin/env node
// Refuses, with a clear message, a Node.js too old for what is about to run (called by the npm
// scripts before they build). Two levels, because the dependencies declare two:
//  - desktop (`npm start`, `npm run dist`): Electron 45 and its tooling (@electron/get,
//    @electron/rebuild, node-abi) declare Node >= 22.12; package.json `engines` says the same.
//  - cli (`npm run serve`, `npm run sps`, `npm test`): Vite 7 declares ^20.19 || >=22.12; the
//    engine, the CLI, web mode and the test suite need nothing newer.
// test/unit/packaging/node_versions.test.ts keeps these in step with package.json and Electron.

import { pathToFileURL } from 'node:url';

export const REQUIREMENTS = {
  desktop: { min: [22, 12, 0], what: 'the desktop app (Electron 45 and electron-builder) needs' },
  cli: { min: [20, 19, 0], what: 'the CLI, web mode and the tests need' },
};

/** Why `version` (e.g. "v20.20.2") cannot run `level`, or null when it can. */
export function nodeVersionProblem(version, level) {
  const req = REQUIREMENTS[level];
  if (!req) return `unknown level "${level}" (expected ${Object.keys(REQUIREMENTS).join(' or ')})`;
  const have = version.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10));
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) > req.min[i]) return null;
    if ((have[i] ?? 0) < req.min[i]) {
      const need = req.min.join('.');
      const alt = level === 'desktop' ? ' (the CLI, `npm run serve` and `npm test` also run on Node 20.19+)' : '';
      return `${req.what} Node.js >= ${need}; this is Node.js ${version}. Install Node ${need} or newer (e.g. with nvm: nvm install 22)${alt}.`;
    }
  }
  return null;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const problem = nodeVersionProblem(process.version, process.argv[2] ?? 'cli');
  if (problem) {
    console.error(`error: ${problem}`);
    process.exit(1);
  }
}
