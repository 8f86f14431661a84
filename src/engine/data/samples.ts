import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { defaultResourceLookup, resourceRoots, type ResourceLookup } from '../resources.js';

/** The sample datasets written for this project (resources/samples, see its README). */
export const SAMPLE_DATASETS = ['sentiment.csv', 'story_endings.jsonl', 'animals.txt'] as const;
export type SampleDataset = (typeof SAMPLE_DATASETS)[number];

/** Path of a bundled sample dataset, in a checkout or a packaged app (src/engine/resources.ts). */
export function sampleDatasetPath(name: SampleDataset, lookup: ResourceLookup = defaultResourceLookup()): string {
  const roots = resourceRoots('samples', lookup);
  const root = roots.find((r) => existsSync(join(r, name)));
  if (root) return join(root, name);
  throw new SpsError('FILE_NOT_FOUND', `sample dataset "${name}" not found`, {
    location: { file: roots[0]! },
    hint: 'the installation is incomplete: reinstall the app, or in a source checkout restore resources/samples with git',
  });
}
