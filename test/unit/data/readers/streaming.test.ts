import { closeSync, openSync, statSync, writeSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { readRecords } from '../../../../src/engine/data/readers/index.js';
import { tempDir } from './_helpers.js';

const t = tempDir();

/** A gc() to measure live memory rather than garbage not yet collected. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('streaming a large CSV', () => {
  it('reads ~50 MB with bounded memory, first rows early, and monotonic progress up to the file size', async () => {
    const path = t.write('big.csv', 'id,text,label\n');
    const fd = openSync(path, 'a');
    const rowsPerBlock = 5000;
    let rows = 0;
    let block = '';
    while (statSync(path).size < 50 * 1024 * 1024) {
      block = '';
      for (let i = 0; i < rowsPerBlock; i++, rows++) {
        block += `${rows},"Once upon a time, a little dog named Max ""ran"" to the park and played with a ball. ${rows % 97}",${rows % 2 ? 'happy' : 'sad'}\n`;
      }
      writeSync(fd, block);
    }
    closeSync(fd);
    const total = statSync(path).size;

    const progress: number[] = [];
    let firstRecordAtBytes = -1;
    let count = 0;
    let lastLine = 0;
    let happy = 0;
    gc();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    let badTotal = 0;
    let badLines = 0;
    const started = Date.now();
    const onProgress = (read: number, tot: number) => {
      if (tot !== total) badTotal++;
      progress.push(read);
    };
    for await (const rec of readRecords(path, { onProgress })) {
      if (firstRecordAtBytes < 0) firstRecordAtBytes = progress[progress.length - 1] ?? 0;
      count++;
      if (rec.line !== (lastLine === 0 ? 2 : lastLine + 1)) badLines++;
      lastLine = rec.line;
      if (rec.fields.label === 'happy') happy++;
      if (count % 50000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed);
      }
    }
    console.log(`read ${(total / 1e6).toFixed(0)} MB, ${count} rows in ${Date.now() - started} ms; heap growth ${((peak - base) / 1e6).toFixed(1)} MB`);
    expect(badTotal).toBe(0);
    expect(badLines).toBe(0);
    expect(count).toBe(rows);
    expect(happy).toBe(Math.floor(rows / 2));
    expect(peak - base).toBeLessThan(100 * 1024 * 1024);
    // streaming: the first row arrives after the first chunk, not after the whole file
    expect(firstRecordAtBytes).toBeLessThan(total / 10);
    expect(progress.length).toBeGreaterThanOrEqual(40);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThan(progress[i - 1] as number);
    expect(progress[progress.length - 1]).toBe(total);
  });
});
