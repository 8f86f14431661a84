/**
 * Where the desktop app keeps its data: Electron's per-user data folder. The models index and
 * the settings are files there; runs go to <userData>/runs unless the settings name another
 * folder (system.setSettings writes `runsDir`). The services own settings.json and apply the
 * override themselves; main hands them the default and only reads the file for diagnostics.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export interface AppPaths {
  /** The app's data folder (Electron userData). */
  dataDir: string;
  /** The models index (the services' list of added model folders). */
  modelsIndex: string;
  settingsFile: string;
  /** The default runs folder, <dataDir>/runs: what the services get (settings.runsDir overrides it there). */
  defaultRunsDir: string;
  /** Where runs go at start: settings.runsDir, else defaultRunsDir (for logs and diagnostics). */
  runsDir: string;
  /** True when runsDir came from the settings file. */
  runsDirFromSettings: boolean;
  logsDir: string;
}

export function resolveAppPaths(app: { getPath(name: 'userData'): string }, readText: (path: string) => string = (p) => readFileSync(p, 'utf8')): AppPaths {
  const dataDir = app.getPath('userData');
  const settingsFile = join(dataDir, 'settings.json');
  const fromSettings = readRunsDirSetting(settingsFile, readText);
  return {
    dataDir,
    modelsIndex: join(dataDir, 'models.json'),
    settingsFile,
    defaultRunsDir: join(dataDir, 'runs'),
    runsDir: fromSettings ?? join(dataDir, 'runs'),
    runsDirFromSettings: fromSettings !== undefined,
    logsDir: join(dataDir, 'logs'),
  };
}

/** settings.json's runsDir when it is an absolute path; a missing or broken file means the default. */
export function readRunsDirSetting(settingsFile: string, readText: (path: string) => string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readText(settingsFile));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const runsDir = (parsed as { runsDir?: unknown }).runsDir;
  return typeof runsDir === 'string' && runsDir !== '' && isAbsolute(runsDir) ? runsDir : undefined;
}
