import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * One story about Node versions: package.json `engines`, the check the npm scripts run
 * (scripts/check-node.mjs), the dependencies' own declarations and the README agree.
 */
const root = process.cwd();
const readJson = (p: string) => JSON.parse(readFileSync(join(root, p), 'utf8')) as { engines?: { node?: string }; scripts: Record<string, string> };
const pkg = readJson('package.json');
const minOf = (range: string) => /(\d+\.\d+\.\d+)/.exec(range)![1];

describe('Node versions', async () => {
  const check = (await import(pathToFileURL(join(root, 'scripts', 'check-node.mjs')).href)) as {
    REQUIREMENTS: Record<'desktop' | 'cli', { min: number[] }>;
    nodeVersionProblem(version: string, level: string): string | null;
  };

  it('engines says what Electron and its tooling declare, and npm start / dist check exactly that', () => {
    const electronNeeds = minOf(readJson('node_modules/electron/package.json').engines!.node!);
    for (const dep of ['@electron/get', '@electron/rebuild', 'node-abi']) expect(minOf(readJson(`node_modules/${dep}/package.json`).engines!.node!), dep).toBe(electronNeeds);
    expect(pkg.engines?.node).toBe(`>=${electronNeeds}`);
    expect(check.REQUIREMENTS.desktop.min.join('.')).toBe(electronNeeds);
    for (const s of ['start', 'dist']) expect(pkg.scripts[s]!.startsWith('node scripts/check-node.mjs desktop && ')).toBe(true);
  });

  it('the CLI level is the oldest Node the build tools of web mode and tests accept (Vite: ^20.19)', () => {
    expect(readJson('node_modules/vite/package.json').engines!.node).toContain(`^${check.REQUIREMENTS.cli.min.join('.')}`);
    for (const s of ['serve', 'test']) expect(pkg.scripts[s]!.startsWith('node scripts/check-node.mjs cli && ')).toBe(true);
  });

  it('refuses too-old versions with a message that says what to install, and accepts the rest', () => {
    expect(check.nodeVersionProblem('v20.20.2', 'desktop')).toMatch(/desktop app .* needs Node\.js >= 22\.12\.0; this is Node\.js v20\.20\.2\. Install Node 22\.12\.0 or newer.*Node 20\.19\+/);
    expect(check.nodeVersionProblem('v22.11.9', 'desktop')).not.toBeNull();
    expect(check.nodeVersionProblem('v22.12.0', 'desktop')).toBeNull();
    expect(check.nodeVersionProblem('v24.1.0', 'desktop')).toBeNull();
    expect(check.nodeVersionProblem('v20.20.2', 'cli')).toBeNull();
    expect(check.nodeVersionProblem('v20.18.3', 'cli')).toMatch(/need Node\.js >= 20\.19\.0/);
    expect(check.nodeVersionProblem('v18.20.0', 'cli')).not.toBeNull();
    // This suite itself runs on a Node the CLI level accepts.
    expect(check.nodeVersionProblem(process.version, 'cli')).toBeNull();
  });

  it('the README states both levels', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toContain('Node.js ≥ 22.12');
    expect(readme).toContain('Node.js 20.19');
  });
});
