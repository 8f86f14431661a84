import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';

// A sandboxed preload is one CommonJS script whose require() knows 'electron' and no local
// files: build it with the real config and run it the way Electron does.
describe('the preload bundle', () => {
  it('is one CommonJS file that only requires electron and exposes window.sps', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'sps-preload-'));
    await build({ configFile: join(process.cwd(), 'vite.preload.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    const code = readFileSync(join(outDir, 'preload.cjs'), 'utf8');
    expect(code).not.toMatch(/^\s*import\s/m);
    expect(code).not.toMatch(/\bimport\(/);
    const required = [...code.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['electron']));

    const exposed: Record<string, unknown> = {};
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: { invoke: async () => ({ ok: true, value: 1 }), send: () => {}, on: () => {}, removeListener: () => {} },
      webUtils: { getPathForFile: () => '/f' },
    };
    const require = (name: string) => {
      if (name !== 'electron') throw new Error(`module not found: ${name}`);
      return electron;
    };
    runInNewContext(code, { require, module: { exports: {} }, exports: {}, console });
    expect(Object.keys(exposed)).toEqual(['sps']);
    expect(Object.keys(exposed.sps as object).sort()).toEqual(['call', 'openDataset', 'openModelFolder', 'openRunsFolder', 'pathForFile', 'saveExportPath', 'subscribe']);
  }, 60_000);
});
