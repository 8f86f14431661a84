import type { JobConfig } from './job.js';
import type { Method } from './api.js';

/**
 * The file-system paths a request names, for the gates that decide whether the caller may name
 * them: web mode checks each against the allowed roots (services/path_policy.ts), the desktop
 * app against the paths its dialogs and drops granted (main/path_grants.ts).
 * `read`: a file or folder the handler reads; `write`: one it creates or writes.
 */
export interface RequestPath {
  field: string;
  path: string;
  use: 'read' | 'write';
}

const str = (v: unknown): v is string => typeof v === 'string' && v !== '';

function jobPaths(job: unknown): RequestPath[] {
  if (typeof job !== 'object' || job === null) return [];
  const j = job as Partial<JobConfig>;
  const out: RequestPath[] = [];
  const add = (field: string, v: unknown) => {
    if (str(v)) out.push({ field, path: v, use: 'read' });
  };
  add('job.model.path', j.model?.path);
  add('job.data.train', j.data?.train);
  add('job.data.validation', j.data?.validation);
  add('job.prompt.initFile', j.prompt?.initFile);
  return out;
}

const field = (name: string, use: RequestPath['use'] = 'read') => (req: Record<string, unknown>): RequestPath[] => (str(req[name]) ? [{ field: name, path: req[name], use }] : []);
const job = (req: Record<string, unknown>) => jobPaths(req.job);

/** A sweep's job, plus the prompt files / earlier runs its init choices name. */
function sweepPaths(req: Record<string, unknown>): RequestPath[] {
  const config = req.config as { job?: unknown; space?: { init?: unknown } } | undefined;
  if (typeof config !== 'object' || config === null) return [];
  const out = jobPaths(config.job).map((p) => ({ ...p, field: `config.${p.field}` }));
  const inits = Array.isArray(config.space?.init) ? (config.space.init as unknown[]) : [];
  inits.forEach((c, i) => {
    const file = typeof c === 'object' && c !== null ? (c as { file?: unknown }).file : undefined;
    if (str(file)) out.push({ field: `config.space.init[${i}].file`, path: file, use: 'read' });
  });
  return out;
}

/** Every method that takes a path, and where. A method missing here takes none. */
const PATH_FIELDS: Partial<Record<Method, (req: Record<string, unknown>) => RequestPath[]>> = {
  'system.setSettings': field('runsDir', 'write'),
  'models.add': field('path'),
  'models.inspect': field('path'),
  'datasets.preview': field('path'),
  'datasets.validate': job,
  'datasets.templatePreview': job,
  'jobs.create': job,
  'sweeps.plan': sweepPaths,
  'sweeps.create': sweepPaths,
  'inference.generate': field('modelPath'),
  'exports.export': field('out', 'write'),
  'exports.import': field('path'),
};

export function requestPaths(method: string, req: unknown): RequestPath[] {
  if (typeof req !== 'object' || req === null || !Object.hasOwn(PATH_FIELDS, method)) return [];
  return PATH_FIELDS[method as Method]!(req as Record<string, unknown>);
}
