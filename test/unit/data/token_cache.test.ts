import { appendFileSync, copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskSpec } from '../../../src/engine/data/dataset.js';
import { tokenizeExample } from '../../../src/engine/data/example.js';
import { ExampleTexts } from '../../../src/engine/data/example_index.js';
import { TokenStore, tokenWidthFor } from '../../../src/engine/data/token_cache.js';
import { TokenizedDataset } from '../../../src/engine/data/tokenized_dataset.js';
import { loadTokenizer } from '../../../src/engine/models/tokenizer.js';
import { mulberry32 } from '../../../src/shared/mulberry32.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';

const tmp = useTempDir('sps-token-cache-');
const modelDir = storiesModelDir();
const tok = loadTokenizer(modelDir);

/** JSONL rows {"prompt", "answer"} of varied, multi-byte text (and a blank line, a CRLF). */
function writeData(file: string, rows: number, seed = 1): void {
  const rand = mulberry32(seed);
  const words = ['the', 'little', 'dog', 'café', 'naïve', '雨', 'ran', 'home', 'smiled', 'Once', '🙂', 'sky'];
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const n = 2 + Math.floor(rand() * 12);
    const text = Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]).join(' ');
    lines.push(JSON.stringify({ prompt: `Story ${i}:`, answer: ` ${text}.` }) + (i % 7 === 3 ? '\r\n' : '\n'));
    if (i === 5) lines.push('\n');
  }
  writeFileSync(file, lines.join(''));
}

const task: TaskSpec = { kind: 'generation', inputTemplate: '{prompt}', outputTemplate: '{answer}' };

async function openSet(file: string, cacheRoot: string, opts: { task?: TaskSpec; modelDir?: string } = {}): Promise<TokenizedDataset> {
  const dir = opts.modelDir ?? modelDir;
  return TokenizedDataset.open({ file, task: opts.task ?? task, tokenizer: loadTokenizer(dir), modelDir: dir, cacheRoot });
}

async function allExamples(set: TokenizedDataset): Promise<Array<{ ids: number[]; labelStart: number }>> {
  const out = [];
  for (let i = 0; i < set.count; i++) out.push(await set.get(i));
  return out;
}

describe('TokenStore (the binary token cache)', () => {
  it('round-trips examples exactly in 1-, 2- and 4-byte ids, written in any order', () => {
    for (const vocab of [200, 60_000, 150_000]) {
      const dir = join(tmp(), `v${vocab}`);
      mkdirSync(dir);
      const width = tokenWidthFor(vocab);
      expect(width).toBe(vocab <= 256 ? 1 : vocab <= 65536 ? 2 : 4);
      const rand = mulberry32(vocab);
      const examples = Array.from({ length: 50 }, () => {
        const len = 1 + Math.floor(rand() * 40);
        return { ids: Array.from({ length: len }, () => Math.floor(rand() * vocab)), labelStart: Math.floor(rand() * len) };
      });
      examples[3]!.ids[0] = vocab - 1;
      const w = TokenStore.open(dir, examples.length, width, { writable: true });
      const order = Array.from({ length: 50 }, (_, i) => (i * 17) % 50);
      for (const i of order) w.append(i, examples[i]!);
      expect(w.complete).toBe(true);
      w.close();
      expect(statSync(join(dir, 'tokens.bin')).size).toBe(examples.reduce((a, e) => a + e.ids.length, 0) * width);
      const r = TokenStore.open(dir, examples.length, width, { writable: false });
      examples.forEach((e, i) => expect(r.read(i)).toEqual(e));
      r.close();
    }
  });

  it('after a crash mid-write, keeps exactly the examples whose tokens and record are complete', () => {
    const dir = tmp();
    const w = TokenStore.open(dir, 4, 2, { writable: true });
    w.append(2, { ids: [5, 6, 7], labelStart: 1 });
    w.append(0, { ids: [9, 8], labelStart: 0 });
    w.close();
    // A torn log record and tokens of an unlogged example.
    appendFileSync(join(dir, 'tokens.log'), Buffer.from([1, 0, 0]));
    appendFileSync(join(dir, 'tokens.bin'), Buffer.from([1, 0, 2, 0]));
    const again = TokenStore.open(dir, 4, 2, { writable: true });
    expect([again.has(0), again.has(1), again.has(2), again.has(3)]).toEqual([true, false, true, false]);
    expect(again.read(2)).toEqual({ ids: [5, 6, 7], labelStart: 1 });
    again.append(1, { ids: [4], labelStart: 0 });
    again.close();
    const r = TokenStore.open(dir, 4, 2, { writable: false });
    expect(r.read(1)).toEqual({ ids: [4], labelStart: 0 });
    expect(r.read(0)).toEqual({ ids: [9, 8], labelStart: 0 });
    r.close();
    // A log record pointing past the end of tokens.bin is not trusted.
    truncateSync(join(dir, 'tokens.bin'), 2 * 4);
    const cut = TokenStore.open(dir, 4, 2, { writable: false });
    expect([cut.has(2), cut.has(0), cut.has(1)]).toEqual([true, false, false]);
    cut.close();
  });
});

describe('TokenizedDataset (a data file through the token cache)', () => {
  it('serves exactly what tokenizeExample gives, from a fresh and from a reused cache', async () => {
    const file = join(tmp(), 'data.jsonl');
    writeData(file, 120);
    const root = join(tmp(), 'cache');
    const set = await openSet(file, root);
    expect(set.count).toBe(120);
    expect(set.complete).toBe(false);
    await set.fill([], { threads: 0 });
    const texts = new ExampleTexts(set.index, task);
    const expected = Array.from({ length: 120 }, (_, i) => {
      const t = tokenizeExample(tok, texts.example(i));
      return { ids: t.ids, labelStart: t.labelStart };
    });
    texts.close();
    expect(await allExamples(set)).toEqual(expected);
    await set.close();
    expect(readdirSync(root)).toHaveLength(1);

    const again = await openSet(file, root);
    expect(again.complete).toBe(true);
    expect(again.dir).toBe(set.dir);
    expect(await allExamples(again)).toEqual(expected);
    await again.close();
  });

  it('the rebuilt example texts equal the first pass (byte spans across CRLF, blank lines, multi-byte text)', async () => {
    const file = join(tmp(), 'data.jsonl');
    writeData(file, 40, 3);
    const set = await openSet(file, join(tmp(), 'c'));
    const texts = new ExampleTexts(set.index, task);
    const rows = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { prompt: string; answer: string });
    rows.forEach((r, i) => expect(texts.example(i)).toMatchObject({ input: r.prompt, output: r.answer }));
    texts.close();
    await set.close();
  });

  it('a changed file, tokenizer or template gets its own cache entry', async () => {
    const root = join(tmp(), 'cache');
    const file = join(tmp(), 'data.jsonl');
    writeData(file, 30);
    const dirs = new Set<string>();
    const open = async (o: { task?: TaskSpec; modelDir?: string } = {}) => {
      const s = await openSet(file, root, o);
      await s.fill([], { threads: 0 });
      dirs.add(s.dir);
      const first = await s.get(0);
      await s.close();
      return first;
    };
    const base = await open();
    expect(dirs.size).toBe(1);
    // Same content again: same entry.
    await open();
    expect(dirs.size).toBe(1);
    // The file changes (one row edited, same size).
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('Story 0:', 'Story X:'));
    const edited = await open();
    expect(dirs.size).toBe(2);
    expect(edited.ids).not.toEqual(base.ids);
    writeFileSync(file, text);
    // The template changes.
    await open({ task: { ...task, inputTemplate: 'Q: {prompt}' } });
    expect(dirs.size).toBe(3);
    // The tokenizer changes (a copy of the model whose tokenizer.json differs).
    const other = join(tmp(), 'model');
    cpSync(modelDir, other, { recursive: true, dereference: true });
    const tj = JSON.parse(readFileSync(join(other, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(other, 'tokenizer.json'), JSON.stringify({ ...tj, truncation: null, padding: null }));
    await open({ modelDir: other });
    expect(dirs.size).toBe(4);
    copyFileSync(join(modelDir, 'tokenizer.json'), join(other, 'tokenizer.json'));
    await open({ modelDir: other });
    expect(dirs.size).toBe(4);
  });

  it('tokenizing in worker threads gives exactly what one thread gives', async () => {
    const file = join(tmp(), 'data.jsonl');
    writeData(file, 700, 9);
    const one = await openSet(file, join(tmp(), 'one'));
    await one.fill([], { threads: 0 });
    const many = await openSet(file, join(tmp(), 'many'));
    // Out of order on purpose: the cache layout differs, the examples must not.
    await many.fill(Array.from({ length: 700 }, (_, i) => 699 - i), { threads: 2 });
    expect(await allExamples(many)).toEqual(await allExamples(one));
    await one.close();
    await many.close();
  });

  it('get() waits for an example that is still being tokenized', async () => {
    const file = join(tmp(), 'data.jsonl');
    writeData(file, 300, 4);
    const set = await openSet(file, join(tmp(), 'c'));
    const filling = set.fill([], { threads: 1 });
    const last = await set.get(299);
    expect(last.ids.length).toBeGreaterThan(1);
    await filling;
    expect(set.complete).toBe(true);
    await set.close();
  });
});
