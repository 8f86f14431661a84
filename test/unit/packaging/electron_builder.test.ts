import type { Dirent } from 'node:fs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { sampleDatasetPath } from '../../../src/engine/data/samples.js';
import { builtinModelDir, builtinModels } from '../../../src/engine/models/builtin.js';

// js-yaml, minimatch and app-builder-lib come with electron-builder (a devDependency); no new deps.
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const minimatch = require('minimatch') as (path: string, pattern: string, opts?: { dot?: boolean }) => boolean;

type Config = Record<string, unknown> & {
  asar: boolean;
  extraResources: { from: string; to: string; filter: string[] }[];
  asarUnpack: string[];
  files: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; files: string[]; icon: string };
  win: { target: string[]; files: string[]; icon: string };
  mac: { target: string[]; files: string[]; icon: string };
  afterPack: string;
};
const root = process.cwd();
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Config;

describe('electron-builder.yml', () => {
  it('is valid for the installed electron-builder (its own schema check)', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as { validateConfiguration(c: unknown, logger: unknown): Promise<void> };
    const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    // And the schema check does reject a wrong key, so the line above means something.
    await expect(validateConfiguration({ ...config, electronFuses: { ...config.electronFuses, runAsNodee: false } }, new DebugLogger(false))).rejects.toThrow();
  });

  it('names the app and keeps package.json out of the build config', () => {
    expect(config.productName).toBe('Soft Prompt Studio');
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.build).toBeUndefined();
    expect(pkg.main).toBe('dist/src/main/main.js');
  });

  it('sets the fuses', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('packs into asar and unpacks every onnxruntime-node binary and shared library', () => {
    expect(config.asar).toBe(true);
    const binaries = listFiles(join(root, 'node_modules', 'onnxruntime-node', 'bin')).map((f) => `node_modules/onnxruntime-node/bin/${f}`);
    expect(binaries.length).toBeGreaterThan(0);
    for (const file of binaries) expect(config.asarUnpack.some((p) => minimatch(file, p, { dot: true })), file).toBe(true);
    for (const ext of ['.node', '.so', '.dll', '.dylib']) expect(config.asarUnpack.some((p) => p.includes(`onnxruntime-node/**/*${ext}`))).toBe(true);
    // ...and nothing that is not onnxruntime's.
    expect(config.asarUnpack.every((p) => p.startsWith('node_modules/onnxruntime-node/'))).toBe(true);
  });

  it('packages the built app, not the sources or tests', () => {
    for (const f of ['package.json', 'dist/src/**/*', 'dist/renderer/**/*', 'dist/preload/**/*', 'resources/**/*']) expect(config.files).toContain(f);
    for (const f of ['!test/**', '!src/**']) expect(config.files).toContain(f);
  });

  it('ships the built-in models and sample datasets next to the asar (extraResources), where the engine finds them', () => {
    expect(config.extraResources).toEqual([
      { from: 'resources/models', to: 'models', filter: ['**/*'] },
      { from: 'resources/samples', to: 'samples', filter: ['**/*', '!*.ts'] },
    ]);
    // Not also inside the asar: onnxruntime cannot memory-map weights from there.
    expect(config.files).toContain('!resources/models/**');
    expect(config.files).toContain('!resources/samples/**');
    const shipped = listFiles(join(root, 'resources', 'models'));
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'LICENSE', 'README.md']) expect(shipped).toContain(`stories260K/${f}`);
    for (const f of shipped) expect(config.files.some((p) => p.startsWith('!') && minimatch(`resources/models/${f}`, p.slice(1), { dot: true })), f).toBe(true);

    // A packaged layout: <resources>/models/stories260K copied as electron-builder would, found
    // through process.resourcesPath before any checkout folder.
    const resourcesPath = mkdtempSync(join(tmpdir(), 'sps-packaged-'));
    const from = join(resourcesPath, 'app.asar', 'dist', 'src', 'engine', 'models');
    for (const f of shipped) {
      const dest = join(resourcesPath, 'models', f);
      mkdirSync(dirname(dest), { recursive: true });
      writeFileSync(dest, readFileSync(join(root, 'resources', 'models', f)));
    }
    expect(builtinModelDir('stories260K', { resourcesPath, from })).toBe(join(resourcesPath, 'models', 'stories260K'));
    expect(builtinModels({ resourcesPath, from }).map((m) => m.id)).toEqual(['stories260K']);
    // The sample dataset of "Try the sample" the same way.
    mkdirSync(join(resourcesPath, 'samples'));
    writeFileSync(join(resourcesPath, 'samples', 'sentiment.csv'), readFileSync(join(root, 'resources', 'samples', 'sentiment.csv')));
    expect(sampleDatasetPath('sentiment.csv', { resourcesPath, from })).toBe(join(resourcesPath, 'samples', 'sentiment.csv'));
    expect(sampleDatasetPath('sentiment.csv', { from: join(root, 'dist', 'src', 'engine', 'data') })).toBe(join(root, 'resources', 'samples', 'sentiment.csv'));
    // In a checkout (no resourcesPath): the repository's copy, from src/ or from dist/src/.
    expect(builtinModelDir('stories260K', { from: join(root, 'src', 'engine', 'models') })).toBe(join(root, 'resources', 'models', 'stories260K'));
    expect(builtinModelDir('stories260K', { from: join(root, 'dist', 'src', 'engine', 'models') })).toBe(join(root, 'resources', 'models', 'stories260K'));
    // Missing: an error naming where it looked and what to do.
    const empty = mkdtempSync(join(tmpdir(), 'sps-nomodels-'));
    expect(() => builtinModelDir('stories260K', { resourcesPath: empty, from: empty })).toThrow(/built-in model "stories260K" not found.*reinstall/);
    expect(() => sampleDatasetPath('sentiment.csv', { resourcesPath: empty, from: empty })).toThrow(/sample dataset "sentiment.csv" not found.*reinstall/);
    for (const d of [resourcesPath, empty]) rmSync(d, { recursive: true, force: true });
  });

  it('builds AppImage + deb, NSIS and dmg, each without the other systems\' onnxruntime binaries', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    // Platform-level `files` of only exclusions make electron-builder include the whole project
    // (seen with 26.17): the per-system filter lives in the top-level list, with ${platform}.
    for (const p of ['linux', 'win', 'mac'] as const) expect(config[p].files).toBeUndefined();
    const excludes = config.files.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
    for (const platform of ['linux', 'win32', 'darwin']) {
      const patterns = excludes.map((p) => p.replaceAll('${platform}', platform));
      for (const os of ['linux', 'win32', 'darwin']) {
        const file = `node_modules/onnxruntime-node/bin/napi-v6/${os}/x64/onnxruntime_binding.node`;
        expect(patterns.some((p) => minimatch(file, p, { dot: true })), `${platform} build, ${os} binary`).toBe(os !== platform);
      }
    }
  });

  it('has icons: valid PNGs of the sizes the targets need', () => {
    const icon = png(readFileSync(join(root, config.win.icon)));
    expect(icon.width).toBeGreaterThanOrEqual(512);
    expect(icon.width).toBe(icon.height);
    expect(config.mac.icon).toBe(config.win.icon);
    const dir = join(root, config.linux.icon);
    for (const n of [16, 32, 48, 64, 128, 256, 512]) expect(png(readFileSync(join(dir, `${n}x${n}.png`)))).toMatchObject({ width: n, height: n });
  });
});

describe('the afterPack hook', () => {
  it('keeps only the target system and architecture (both architectures on macOS)', async () => {
    expect(config.afterPack).toBe('./build/after-pack.mjs');
    const hook = (await import(pathToFileURL(join(root, 'build', 'after-pack.mjs')).href)) as {
      default: (ctx: unknown) => Promise<void>;
      pruneOnnxruntime(dir: string, platform: string, arch: string): string[];
    };
    // The real package's layout, with empty files (the binaries are hundreds of MB).
    const copyLayout = (to: string) => {
      for (const f of listFiles(join(root, 'node_modules', 'onnxruntime-node', 'bin'))) {
        const dest = join(to, 'node_modules', 'onnxruntime-node', 'bin', f);
        mkdirSync(dirname(dest), { recursive: true });
        writeFileSync(dest, '');
      }
    };
    const fresh = () => {
      const dir = mkdtempSync(join(tmpdir(), 'sps-afterpack-'));
      copyLayout(dir);
      return dir;
    };
    const left = (dir: string) => listFiles(join(dir, 'node_modules', 'onnxruntime-node', 'bin')).map((f) => f.split('/').slice(1, 3).join('/'));

    const linux = fresh();
    hook.pruneOnnxruntime(linux, 'linux', 'x64');
    expect(new Set(left(linux))).toEqual(new Set(['linux/x64']));

    const win = fresh();
    hook.pruneOnnxruntime(win, 'win32', 'arm64');
    expect(new Set(left(win))).toEqual(new Set(['win32/arm64']));

    const mac = fresh();
    hook.pruneOnnxruntime(mac, 'darwin', 'arm64');
    expect(new Set(left(mac))).toEqual(new Set(readdirSync(join(root, 'node_modules/onnxruntime-node/bin/napi-v6/darwin')).map((a) => `darwin/${a}`)));

    // Through electron-builder's context object (Arch enum 1 = x64).
    const out = mkdtempSync(join(tmpdir(), 'sps-afterpack-out-'));
    const unpacked = join(out, 'resources', 'app.asar.unpacked');
    mkdirSync(unpacked, { recursive: true });
    copyLayout(unpacked);
    const log = console.log;
    console.log = () => {};
    try {
      await hook.default({ electronPlatformName: 'linux', arch: 1, appOutDir: out, packager: { appInfo: { productFilename: 'Soft Prompt Studio' } } });
    } finally {
      console.log = log;
    }
    expect(new Set(left(unpacked))).toEqual(new Set(['linux/x64']));
    expect(existsSync(join(unpacked, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node'))).toBe(true);
  });
});

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath ?? (d as unknown as { path: string }).path, d.name)).split('\\').join('/'));
}

/** Reads a PNG's header and checks that its image data inflates to the right size. */
function png(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(buf.toString('ascii', 12, 16)).toBe('IHDR');
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const idat: Buffer[] = [];
  for (let o = 8; o < buf.length; ) {
    const len = buf.readUInt32BE(o);
    if (buf.toString('ascii', o + 4, o + 8) === 'IDAT') idat.push(buf.subarray(o + 8, o + 8 + len));
    o += 12 + len;
  }
  expect(buf[24]).toBe(8);
  expect(buf[25]).toBe(6);
  expect(inflateSync(Buffer.concat(idat)).length).toBe((width * 4 + 1) * height);
  return { width, height };
}
