import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunFolders } from '../../../../src/services/jobs/run_folders.js';
import { runIdFor, slug } from '../../../../src/services/jobs/run_ids.js';
import { useTempDir } from '../../../helpers/fixtures.js';

const fakeRun = (dir: string) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'job.json'), '{}');
};

describe('run ids and run folders', () => {
  const tmp = useTempDir('sps-run-folders-');

  it('names a run by its creation time and a slug of its name', () => {
    expect(slug('My run: v2!')).toBe('my-run-v2');
    expect(slug('Ünïcödé')).toBe('unicode');
    expect(slug('!!!')).toBe('run');
    expect(slug('x'.repeat(60))).toHaveLength(40);
    expect(runIdFor('My run', new Date(2026, 0, 2, 3, 4, 5))).toBe('20260102-030405-my-run');
  });

  it('resolves ids to folders, refuses paths and unknown runs, lists every run', () => {
    let root = join(tmp(), 'runs');
    const folders = new RunFolders(() => root);
    fakeRun(join(root, 'a'));
    mkdirSync(join(root, 'not-a-run'));
    expect(folders.resolve('a')).toBe(join(root, 'a'));
    expect(() => folders.resolve('../a')).toThrow(/not a run id/);
    expect(() => folders.resolve('not-a-run')).toThrow(/no run "not-a-run"/);
    const fresh = folders.allocate('A');
    expect(fresh.dir).toBe(join(root, fresh.id));
    // A run remembered from the old runs folder stays reachable after the folder changes.
    root = join(tmp(), 'elsewhere');
    fakeRun(join(root, 'b'));
    expect(folders.list().map(([id]) => id).sort()).toEqual(['a', 'b']);
    expect(folders.resolve('a')).toBe(join(tmp(), 'runs', 'a'));
    folders.forget('a');
    expect(() => folders.resolve('a')).toThrow(/no run "a"/);
  });

  it('allocates a unique id when one with the same name and second exists', () => {
    const root = tmp();
    const folders = new RunFolders(() => root);
    const first = folders.allocate('same');
    fakeRun(first.dir);
    const second = folders.allocate('same');
    expect(second.id).not.toBe(first.id);
  });
});
