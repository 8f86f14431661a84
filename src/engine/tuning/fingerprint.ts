import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tokenCacheRoot } from '../data/cache_entry.js';
import { memoizedFileHash } from '../data/file_hash_memo.js';
import type { LoadedModel } from '../models/load_model.js';

/** SHA-256 of a file, streamed in 4 MiB reads (datasets may be several GB). */
export function fileSha256(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export interface DatasetFingerprint {
  path: string;
  bytes: number;
  sha256: string;
}

/** A data file's size and SHA-256 (remembered next to the token cache while the file is unchanged: file_hash_memo.ts). */
export function datasetFingerprint(path: string, memoDir: string = tokenCacheRoot()): DatasetFingerprint {
  return { path, bytes: statSync(path).size, sha256: memoizedFileHash(path, memoDir, fileSha256) };
}

export interface ModelFingerprint {
  path: string;
  modelType: string;
  /** Hash of config.json, tokenizer.json and every weight file's header and size: cheap, yet
   *  changes when the architecture, vocabulary or any tensor's layout does. */
  sha256: string;
}

/**
 * Identifies a model without hashing gigabytes of weights: config, tokenizer, and each
 * safetensors file's header bytes and total size.
 */
export function modelFingerprint(model: LoadedModel): ModelFingerprint {
  const hash = createHash('sha256');
  for (const name of ['config.json', 'tokenizer.json']) hash.update(name).update(fileSha256(join(model.dir, name)));
  for (const file of model.weights.files) {
    const size = statSync(file).size;
    const fd = openSync(file, 'r');
    try {
      const len = Buffer.alloc(8);
      readSync(fd, len, 0, 8, 0);
      const headerLength = Number(len.readBigUInt64LE(0));
      const header = Buffer.alloc(Math.min(headerLength, size - 8));
      readSync(fd, header, 0, header.length, 8);
      hash.update(String(size)).update(header);
    } finally {
      closeSync(fd);
    }
  }
  return { path: model.dir, modelType: model.spec.modelType, sha256: hash.digest('hex') };
}
