import { SpsError } from '../../shared/errors.js';
import { slug } from '../../shared/slug.js';

export { slug };

/** What a run id may look like: a folder name under the runs folder, never a path. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

export function isRunId(name: string): boolean {
  return RUN_ID_PATTERN.test(name) && !name.includes('..');
}

export function checkRunId(id: string): void {
  if (!isRunId(id)) throw new SpsError('INVALID_ARGUMENT', `"${id}" is not a run id`, { location: { field: 'id' } });
}

/** 20260102-030405-name: sortable by creation time, readable in a file manager. */
export function runIdFor(name: string | undefined, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${slug(name)}`;
}
