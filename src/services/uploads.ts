import { mkdirSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { fileError } from '../engine/files.js';
import type { ServiceContext } from './context.js';

/** "My data (v2).CSV" → "my-data-v2.csv": a file name that is safe on every system, extension kept. */
export function uploadFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const ext = extname(base).toLowerCase().replace(/[^.a-z0-9]/g, '').slice(0, 10);
  const stem = base
    .slice(0, base.length - extname(base).length)
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80);
  return `${stem || 'upload'}${ext}`;
}

/**
 * Web mode's drag-and-drop: the browser cannot tell the server where a dropped file is, so it
 * sends the content, which is saved as a new file under DATA/uploads/ (never replacing one:
 * "name-2.csv" when "name.csv" exists) and used from there like any dataset path.
 */
export function uploadsService(ctx: ServiceContext): Pick<ApiHandlers, 'datasets.upload'> {
  return {
    'datasets.upload': async ({ name, contentBase64 }) => {
      const dir = join(ctx.dataDir, 'uploads');
      const bytes = Buffer.from(contentBase64, 'base64');
      const file = uploadFileName(name);
      const ext = extname(file);
      const stem = file.slice(0, file.length - ext.length);
      try {
        mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw fileError(err, dir, 'uploads folder');
      }
      for (let k = 1; k < 1000; k++) {
        const path = join(dir, k === 1 ? file : `${stem}-${k}${ext}`);
        try {
          writeFileSync(path, bytes, { flag: 'wx' });
          return { path, bytes: bytes.length };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError(err, path, 'uploaded file');
        }
      }
      throw new SpsError('INVALID_ARGUMENT', `too many uploads named ${file}`, { location: { file: dir, field: 'name' }, hint: 'rename the file, or clear the uploads folder' });
    },
  };
}
