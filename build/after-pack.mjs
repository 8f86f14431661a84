// electron-builder afterPack hook: removes onnxruntime-node binaries of other operating
// systems and architectures from app.asar.unpacked. (Other operating systems are already left
// out by the per-platform `files` filters in electron-builder.yml; this also covers the arch,
// which file patterns cannot express.) macOS keeps both architectures so that universal
// builds can merge their x64 and arm64 halves.
import fs from 'node:fs';
import path from 'node:path';

// electron-builder's Arch enum.
export const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

/** Removes other platforms'/architectures' folders under <unpacked>/node_modules/onnxruntime-node/bin/napi-v*; returns what it removed. */
export function pruneOnnxruntime(unpackedDir, platform, arch) {
  const bin = path.join(unpackedDir, 'node_modules', 'onnxruntime-node', 'bin');
  const removed = [];
  if (!fs.existsSync(bin)) return removed;
  const os = platform === 'mas' ? 'darwin' : platform;
  for (const napi of fs.readdirSync(bin)) {
    const napiDir = path.join(bin, napi);
    if (!fs.statSync(napiDir).isDirectory()) continue;
    for (const osName of fs.readdirSync(napiDir)) {
      const osDir = path.join(napiDir, osName);
      if (osName !== os) {
        fs.rmSync(osDir, { recursive: true, force: true });
        removed.push(path.relative(unpackedDir, osDir));
        continue;
      }
      if (os === 'darwin' || arch === 'universal') continue;
      for (const archName of fs.readdirSync(osDir)) {
        if (archName === arch) continue;
        const archDir = path.join(osDir, archName);
        fs.rmSync(archDir, { recursive: true, force: true });
        removed.push(path.relative(unpackedDir, archDir));
      }
    }
  }
  return removed;
}

function resourcesDir(context) {
  const platform = context.electronPlatformName;
  if (platform === 'darwin' || platform === 'mas') {
    return path.join(context.appOutDir, `${context.packager.appInfo.productFilename}.app`, 'Contents', 'Resources');
  }
  return path.join(context.appOutDir, 'resources');
}

export default async function afterPack(context) {
  const arch = ARCH_NAMES[context.arch] ?? String(context.arch);
  const unpacked = path.join(resourcesDir(context), 'app.asar.unpacked');
  const removed = pruneOnnxruntime(unpacked, context.electronPlatformName, arch);
  if (removed.length > 0) console.log(`  • pruned onnxruntime-node binaries: ${removed.join(', ')}`);
}

