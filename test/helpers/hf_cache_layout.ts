import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a model folder into a Hugging Face hub cache as `huggingface_hub` lays it out:
 * <cache>/models--<org>--<name>/blobs/<sha256 or sha1> holds each file once, and
 * snapshots/<revision>/<file> is a relative symlink to ../../blobs/<hash>; refs/main names the
 * revision. Returns the snapshot folder (what a user or the library passes as the model).
 */
export function writeHfCacheModel(cache: string, repoId: string, sourceDir: string, revision = '0123456789abcdef0123456789abcdef01234567'): { repoDir: string; snapshot: string } {
  const repoDir = join(cache, `models--${repoId.split('/').join('--')}`);
  const snapshot = join(repoDir, 'snapshots', revision);
  mkdirSync(join(repoDir, 'blobs'), { recursive: true });
  mkdirSync(join(repoDir, 'refs'), { recursive: true });
  mkdirSync(snapshot, { recursive: true });
  writeFileSync(join(repoDir, 'refs', 'main'), revision);
  for (const name of readdirSync(sourceDir)) {
    const src = join(sourceDir, name);
    if (!statSync(src).isFile()) continue;
    const bytes = readFileSync(src);
    // The hub names LFS blobs by sha256 and small git files by their git sha1; either is a hash.
    const hash = createHash(name.endsWith('.safetensors') ? 'sha256' : 'sha1').update(bytes).digest('hex');
    writeFileSync(join(repoDir, 'blobs', hash), bytes);
    symlinkSync(join('..', '..', 'blobs', hash), join(snapshot, name));
  }
  return { repoDir, snapshot };
}
