import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** A stable id for a model folder: the same path always gets the same id. */
export function modelId(dir: string): string {
  return createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 12);
}
