/**
 * Writes the sample datasets in this folder, reproducibly (seeded). Written for Soft Prompt
 * Studio; the sentences are built from small templates in the simple vocabulary of
 * children's stories, so that a tiny story model (stories260K) can learn the tasks.
 *
 *   npx tsx resources/samples/make_samples.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/shared/mulberry32.js';

const here = dirname(fileURLToPath(import.meta.url));

const rand = mulberry32(20240611);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

const girls = ['Lily', 'Sue', 'Mia', 'Anna', 'Lucy', 'Emma', 'Sara', 'Amy'];
const boys = ['Tom', 'Ben', 'Max', 'Tim', 'Sam', 'Jack', 'Leo', 'Bob'];
const person = (): { name: string; his: string; he: string } => (rand() < 0.5 ? { name: pick(girls), his: 'her', he: 'she' } : { name: pick(boys), his: 'his', he: 'he' });
const toys = ['ball', 'doll', 'kite', 'teddy bear', 'red car', 'toy boat', 'blue block', 'little drum'];
const pets = ['puppy', 'kitten', 'bunny', 'fish', 'bird', 'dog', 'cat'];
const foods = ['cake', 'ice cream', 'apple', 'cookie', 'candy', 'pie'];
const places = ['park', 'beach', 'garden', 'zoo', 'pond', 'farm'];

/** "a cake", "an apple". */
const a = (noun: string): string => (/^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`);

type Maker = () => string;
const happy: Maker[] = [
  () => { const p = person(); return `${p.name} found ${p.his} lost ${pick(pets)} and hugged it.`; },
  () => { const p = person(); return `${p.name} got a new ${pick(toys)} and smiled all day.`; },
  () => { const p = person(); return `${p.name} went to the ${pick(places)} and played with a friend.`; },
  () => { const p = person(); return `Mom gave ${p.name} ${a(pick(foods))} and ${p.he} laughed.`; },
  () => { const p = person(); return `${p.name} and ${p.his} ${pick(pets)} danced in the sun.`; },
  () => { const p = person(); return `${p.name} made a new friend at the ${pick(places)}.`; },
  () => { const p = person(); return `${p.name} fixed ${p.his} ${pick(toys)} and clapped ${p.his} hands.`; },
  () => { const p = person(); return `The sun was warm and ${p.name} had fun at the ${pick(places)}.`; },
];
const sad: Maker[] = [
  () => { const p = person(); return `${p.name} lost ${p.his} ${pick(toys)} and cried.`; },
  () => { const p = person(); return `${p.name} dropped ${p.his} ${pick(foods)} on the floor and was sad.`; },
  () => { const p = person(); return `${p.name} could not go to the ${pick(places)} because it was raining.`; },
  () => { const p = person(); return `${p.name}'s ${pick(pets)} ran away and ${p.he} felt alone.`; },
  () => { const p = person(); return `${p.name} broke ${p.his} ${pick(toys)} and began to cry.`; },
  () => { const p = person(); return `No one wanted to play with ${p.name} at the ${pick(places)}.`; },
  () => { const p = person(); return `${p.name} was sick and could not eat ${p.his} ${pick(foods)}.`; },
  () => { const p = person(); return `The big dog took ${p.name}'s ${pick(toys)} and ${p.he} was sad.`; },
];

function unique(makers: Maker[], n: number): string[] {
  const out = new Set<string>();
  for (let tries = 0; out.size < n && tries < 100_000; tries++) out.add(pick(makers)());
  if (out.size < n) throw new Error(`only ${out.size} unique sentences`);
  return [...out];
}

const csvField = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

// (a) sentiment.csv: 100 happy + 100 sad, shuffled
const rows = shuffle([...unique(happy, 100).map((t) => [t, 'happy']), ...unique(sad, 100).map((t) => [t, 'sad'])]);
writeFileSync(join(here, 'sentiment.csv'), 'text,label\n' + rows.map((r) => r.map(csvField).join(',')).join('\n') + '\n');

// (b) story_endings.jsonl: a two-sentence opening → " <Name> was very happy. The end."
const openings: Array<(p: { name: string; his: string; he: string }) => string> = [
  (p) => `Once upon a time, there was a little ${p.he === 'she' ? 'girl' : 'boy'} named ${p.name}. ${p.name} liked to play with ${p.his} ${pick(toys)}.`,
  (p) => `One day, ${p.name} went to the ${pick(places)}. ${p.name} saw a small ${pick(pets)} there.`,
  (p) => {
    const pet = pick(pets);
    return `${p.name} had ${a(pet)}. Every day, ${p.name} and the ${pet} played in the ${pick(places)}.`;
  },
  (p) => `Once upon a time, ${p.name} wanted ${a(pick(foods))}. Mom said ${p.he} could have one after lunch.`,
  (p) => `${p.name} found ${a(pick(toys))} in the ${pick(places)}. ${p.name} gave it to a friend.`,
];
const stories = new Map<string, string>();
for (let tries = 0; stories.size < 150 && tries < 100_000; tries++) {
  const p = person();
  stories.set(pick(openings)(p), ` ${p.name} was very happy. The end.`);
}
writeFileSync(join(here, 'story_endings.jsonl'), [...stories].map(([input, output]) => JSON.stringify({ input, output })).join('\n') + '\n');

// (c) animals.txt: one short animal story sentence per line, for language modelling
const animals = ['cat', 'dog', 'bird', 'fish', 'frog', 'duck', 'cow', 'bunny', 'bear', 'fox'];
const sounds: Record<string, string> = { cat: 'meow', dog: 'woof', bird: 'tweet', fish: 'blub', frog: 'ribbit', duck: 'quack', cow: 'moo', bunny: 'squeak', bear: 'grr', fox: 'yip' };
const acts = ['ran to the pond', 'sat in the sun', 'ate a red apple', 'slept under a tree', 'played with a ball', 'jumped over a log'];
const lines = new Set<string>();
for (let tries = 0; lines.size < 120 && tries < 100_000; tries++) {
  const animal = pick(animals);
  lines.add(`The ${animal} ${pick(acts)}. The ${animal} said "${sounds[animal]}" and ${pick(acts)}.`);
}
writeFileSync(join(here, 'animals.txt'), [...lines].join('\n') + '\n');

console.log(`sentiment.csv: ${rows.length} rows; story_endings.jsonl: ${stories.size} rows; animals.txt: ${lines.size} lines`);
