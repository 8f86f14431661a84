import type { Method } from './api.js';
import { validateJob } from './job.js';
import { validateSweep } from './sweep.js';

/**
 * Request validators, one per method: the IPC gate and the web server both run them before a
 * handler sees a payload. Each returns a list of problems (empty when valid).
 */
type Check = (req: unknown) => string[];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The largest upload (datasets.upload), in bytes of the file; its base64 text is 4/3 of that. */
export const MAX_UPLOAD_BYTES = 32 * 1024 * 1024;

function shape(fields: Record<string, 'string' | 'number' | 'boolean' | 'string?' | 'number?' | 'boolean?' | 'job' | 'format' | 'checkpoint?' | 'base64' | 'sweep'>): Check {
  return (req) => {
    if (!isObj(req)) return ['the request must be an object'];
    const errs: string[] = [];
    // Own properties only: `constructor` or `toString` must not pass as a known field.
    for (const key of Object.keys(req)) if (!Object.hasOwn(fields, key)) errs.push(`unexpected field "${key}"`);
    for (const [key, kind] of Object.entries(fields)) {
      const v = Object.hasOwn(req, key) ? req[key] : undefined;
      const optional = kind.endsWith('?');
      if (v === undefined) {
        if (!optional) errs.push(`"${key}" is required`);
        continue;
      }
      switch (kind.replace('?', '')) {
        case 'string':
          if (typeof v !== 'string' || v.length > 100_000) errs.push(`"${key}" must be a string`);
          break;
        case 'number':
          if (typeof v !== 'number' || !Number.isFinite(v)) errs.push(`"${key}" must be a finite number`);
          break;
        case 'boolean':
          if (typeof v !== 'boolean') errs.push(`"${key}" must be true or false`);
          break;
        case 'base64':
          if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) errs.push(`"${key}" must be base64 text`);
          else if ((v.length * 3) / 4 > MAX_UPLOAD_BYTES + 2) errs.push(`"${key}" is over the ${MAX_UPLOAD_BYTES / 1024 / 1024} MiB upload limit`);
          break;
        case 'sweep':
          errs.push(...validateSweep(v).map((e) => `config.${e.field} ${e.message}`));
          break;
        case 'job':
          errs.push(...validateJob(v).map((e) => `job.${e.field} ${e.message}`));
          break;
        case 'format':
          if (!['peft', 'safetensors', 'npy', 'json', 'card'].includes(v as string)) errs.push(`"${key}" must be one of peft, safetensors, npy, json, card`);
          break;
        case 'checkpoint':
          if (v !== 'best' && v !== 'final') errs.push(`"${key}" must be best or final`);
          break;
      }
    }
    return errs;
  };
}

const empty = shape({});
const byId = shape({ id: 'string' });

export const REQUEST_VALIDATORS: Record<Method, Check> = {
  'system.info': empty,
  'system.getSettings': empty,
  'system.tokenCache': empty,
  'system.clearTokenCache': empty,
  'system.setSettings': (req) => {
    if (!isObj(req)) return ['the request must be an object'];
    const errs: string[] = [];
    for (const k of Object.keys(req)) if (k !== 'runsDir' && k !== 'theme') errs.push(`unexpected field "${k}"`);
    const runsDir = Object.hasOwn(req, 'runsDir') ? req.runsDir : undefined;
    const theme = Object.hasOwn(req, 'theme') ? req.theme : undefined;
    if (runsDir !== undefined && (typeof runsDir !== 'string' || runsDir === '')) errs.push('"runsDir" must be a folder path');
    if (theme !== undefined && !['light', 'dark', 'system'].includes(theme as string)) errs.push('"theme" must be light, dark or system');
    return errs;
  },
  'models.list': empty,
  'models.add': shape({ path: 'string' }),
  'models.inspect': shape({ path: 'string' }),
  'models.remove': shape({ id: 'string', deleteFiles: 'boolean?' }),
  'models.catalogue': empty,
  'models.pull': shape({ repoId: 'string', revision: 'string?' }),
  'models.cancelPull': shape({ pullId: 'string' }),
  'models.pulls': empty,
  'models.hubToken': empty,
  'models.setHubToken': shape({ token: 'string' }),
  'models.clearHubToken': empty,
  'datasets.preview': shape({ path: 'string', limit: 'number?' }),
  'datasets.validate': shape({ job: 'job', validationId: 'string?' }),
  'datasets.cancelValidate': shape({ validationId: 'string' }),
  'datasets.templatePreview': shape({ job: 'job', limit: 'number?' }),
  'datasets.upload': shape({ name: 'string', contentBase64: 'base64' }),
  'jobs.create': shape({ job: 'job', name: 'string?' }),
  'jobs.start': byId,
  'jobs.pause': byId,
  'jobs.resume': byId,
  'jobs.cancel': byId,
  'jobs.list': empty,
  'jobs.get': byId,
  'jobs.delete': byId,
  'jobs.nearestTokens': shape({ id: 'string', k: 'number?' }),
  'jobs.predictions': shape({ id: 'string', checkpoint: 'checkpoint?' }),
  'inference.generate': shape({ id: 'string?', modelPath: 'string?', usePrompt: 'boolean', text: 'string', maxNewTokens: 'number', temperature: 'number?', topK: 'number?', topP: 'number?', seed: 'number?' }),
  'inference.cancel': shape({ streamId: 'string' }),
  'inference.classify': shape({ id: 'string', text: 'string' }),
  'exports.export': shape({ id: 'string', format: 'format', checkpoint: 'checkpoint?', out: 'string?' }),
  'exports.import': shape({ path: 'string', expectDim: 'number?' }),
  'sweeps.plan': shape({ config: 'sweep' }),
  'sweeps.create': shape({ config: 'sweep', name: 'string?' }),
  'sweeps.list': empty,
  'sweeps.get': byId,
  'sweeps.cancel': byId,
  'sweeps.resume': byId,
};

/** Every method of the API (Record<Method, Check> above forces one validator per method). */
export const METHODS: readonly Method[] = Object.keys(REQUEST_VALIDATORS) as Method[];

/** A method of the API: an own key of the validator table (so "constructor" is not one). */
export function isMethod(name: string): name is Method {
  return Object.hasOwn(REQUEST_VALIDATORS, name);
}

export function validateRequest(method: string, req: unknown): string[] {
  const check = Object.hasOwn(REQUEST_VALIDATORS, method) ? REQUEST_VALIDATORS[method as Method] : undefined;
  if (!check) return [`unknown method "${method}"`];
  return check(req);
}
