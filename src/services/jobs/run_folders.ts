import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runPaths } from '../../engine/tuning/run_dir.js';
import { notFound } from '../context.js';
import { checkRunId, isRunId, runIdFor } from './run_ids.js';

/**
 * Where each run lives. A run is a folder under the current runs folder, or one this session
 * created or opened before the runs folder was changed (remembered by id).
 */
export class RunFolders {
  private readonly known = new Map<string, string>();

  constructor(private readonly runsDir: () => string) {}

  /** The current runs folder. */
  root(): string {
    return this.runsDir();
  }

  /** A run's folder from its id (checked: a run id, an existing run). */
  resolve(id: string): string {
    checkRunId(id);
    const dir = this.known.get(id) ?? join(this.runsDir(), id);
    if (!existsSync(runPaths(dir).job)) throw notFound('run', id, 'list the runs with jobs.list');
    this.known.set(id, dir);
    return dir;
  }

  /** A new, unused id and folder for a run named `name` (the folder is not created here). */
  allocate(name: string | undefined): { id: string; dir: string } {
    const root = this.runsDir();
    const base = runIdFor(name);
    let id = base;
    for (let k = 2; existsSync(join(root, id)) || this.known.has(id); k++) id = `${base}-${k}`;
    return { id, dir: join(root, id) };
  }

  remember(id: string, dir: string): void {
    this.known.set(id, dir);
  }

  forget(id: string): void {
    this.known.delete(id);
  }

  /** Every run: the runs folder's run folders, then the remembered ones elsewhere. */
  list(): Array<[id: string, dir: string]> {
    const out = new Map<string, string>();
    const root = this.runsDir();
    if (existsSync(root)) {
      for (const name of readdirSync(root)) {
        const dir = join(root, name);
        if (isRunId(name) && existsSync(runPaths(dir).job)) out.set(name, dir);
      }
    }
    for (const [id, dir] of this.known) if (!out.has(id) && existsSync(runPaths(dir).job)) out.set(id, dir);
    return [...out.entries()];
  }
}
