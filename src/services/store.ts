import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SpsError } from '../shared/errors.js';
import { writeJsonAtomic } from '../engine/tuning/durable_fs.js';

/**
 * A small JSON file in the data folder (settings.json, models.json). Writes are atomic (temp
 * file, fsync, rename); the previous good version is kept as FILE.bak. A file that does not
 * parse is reported with the way back, never silently replaced by defaults.
 */
export class JsonStore<T> {
  constructor(
    readonly path: string,
    private readonly what: string,
    private readonly defaults: () => T,
    private readonly check: (v: unknown) => string | undefined,
  ) {}

  get backupPath(): string {
    return `${this.path}.bak`;
  }

  read(): T {
    if (!existsSync(this.path)) return this.defaults();
    let v: unknown;
    let problem: string | undefined;
    try {
      v = JSON.parse(readFileSync(this.path, 'utf8'));
      problem = this.check(v);
    } catch (err) {
      problem = err instanceof SyntaxError ? `it is not valid JSON (${err.message})` : `it cannot be read (${(err as Error).message})`;
    }
    if (problem !== undefined) {
      const backup = existsSync(this.backupPath);
      throw new SpsError('INVALID_JSON', `the ${this.what} file is damaged: ${problem}`, {
        location: { file: this.path },
        hint: backup
          ? `the previous good version is ${this.backupPath}: copy it over ${this.path}, or delete ${this.path} to start from defaults`
          : `fix it, or delete ${this.path} to start from defaults`,
      });
    }
    return v as T;
  }

  write(value: T): void {
    mkdirSync(dirname(this.path), { recursive: true });
    if (existsSync(this.path)) {
      // Only a file that still reads correctly becomes the backup.
      try {
        const old: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
        if (this.check(old) === undefined) copyFileSync(this.path, this.backupPath);
      } catch {
        // A damaged file is never made the backup.
      }
    }
    try {
      writeJsonAtomic(this.path, value);
    } catch (err) {
      throw new SpsError('FILE_UNREADABLE', `cannot write the ${this.what} file: ${(err as Error).message}`, { location: { file: this.path }, cause: err });
    }
  }
}
