/**
 * Writes a JSONL corpus of short stories ({"text": …} per line), deterministic for a seed, in
 * the shape of issue 13's user corpus: 200 MB ≈ 806k lines of ~250 bytes (~110 stories260K
 * tokens each). Usage: tsx bench/data/make_corpus.ts OUT.jsonl MEGABYTES [SEED]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { mulberry32 } from '../../src/shared/mulberry32.js';

const NAMES = ['Lily', 'Tom', 'Ben', 'Sue', 'Max', 'Mia', 'Sam', 'Anna', 'Tim', 'Lucy', 'Jack', 'Zoe'];
const THINGS = ['ball', 'dog', 'cat', 'tree', 'car', 'cake', 'box', 'bird', 'hat', 'toy', 'boat', 'kite', 'flower', 'drum', 'book'];
const ADJ = ['big', 'little', 'red', 'happy', 'shiny', 'soft', 'old', 'funny', 'blue', 'sad', 'brave', 'kind'];
const VERBS = ['saw', 'found', 'liked', 'wanted', 'gave', 'made', 'lost', 'took', 'loved', 'shared'];
const PLACES = ['in the park', 'at home', 'near the river', 'in the garden', 'at school', 'in the forest', 'by the sea'];

export function storyLine(rand: () => number): string {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const parts: string[] = [`Once upon a time, there was a ${pick(ADJ)} ${pick(['girl', 'boy', 'dog', 'cat'])} named ${pick(NAMES)}.`];
  const sentences = 3 + Math.floor(rand() * 4);
  for (let s = 0; s < sentences; s++) parts.push(`${pick(NAMES)} ${pick(VERBS)} a ${pick(ADJ)} ${pick(THINGS)} ${pick(PLACES)}.`);
  parts.push(pick(['They were very happy.', 'The end.', 'It was a good day.', 'They played all day.']));
  return JSON.stringify({ text: parts.join(' ') }) + '\n';
}

export function writeCorpus(out: string, megabytes: number, seed = 13): { lines: number; bytes: number } {
  const rand = mulberry32(seed);
  const target = megabytes * 1e6;
  const fd = openSync(out, 'w');
  let bytes = 0;
  let lines = 0;
  try {
    while (bytes < target) {
      let block = '';
      for (let i = 0; i < 4096 && bytes + block.length < target; i++) {
        block += storyLine(rand);
        lines++;
      }
      bytes += writeSync(fd, block);
    }
  } finally {
    closeSync(fd);
  }
  return { lines, bytes };
}

if (process.argv[1]?.endsWith('make_corpus.ts')) {
  const [out, mb, seed] = process.argv.slice(2);
  if (!out || !mb) throw new Error('usage: tsx bench/data/make_corpus.ts OUT.jsonl MEGABYTES [SEED]');
  console.log(JSON.stringify(writeCorpus(out, Number(mb), seed ? Number(seed) : 13)));
}
