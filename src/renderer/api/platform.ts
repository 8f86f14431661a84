/**
 * What the desktop bridge (window.sps) adds beyond the API, as optional capabilities.
 * In web mode none of them exist and the UI shows text fields for paths instead.
 */
export interface Platform {
  mode: 'desktop' | 'web';
  /** The file-system path of a dropped File (desktop only). */
  pathForFile?: (file: File) => string | undefined;
  openModelFolder?: () => Promise<string | null | undefined>;
  openDataset?: () => Promise<string | null | undefined>;
  saveExportPath?: (name: string) => Promise<string | null | undefined>;
  openRunsFolder?: () => Promise<string | null | undefined>;
}

interface BridgeExtras {
  pathForFile?: (file: File) => string;
  openModelFolder?: () => Promise<string | null | undefined>;
  openDataset?: () => Promise<string | null | undefined>;
  saveExportPath?: (name: string) => Promise<string | null | undefined>;
  openRunsFolder?: () => Promise<string | null | undefined>;
}

export function bridge(): BridgeExtras | undefined {
  return (globalThis as unknown as { sps?: BridgeExtras }).sps;
}

export function detectPlatform(): Platform {
  const b = bridge();
  if (!b) return { mode: 'web' };
  return {
    mode: 'desktop',
    ...(b.pathForFile ? { pathForFile: (f: File) => b.pathForFile!(f) || undefined } : {}),
    ...(b.openModelFolder ? { openModelFolder: () => b.openModelFolder!() } : {}),
    ...(b.openDataset ? { openDataset: () => b.openDataset!() } : {}),
    ...(b.saveExportPath ? { saveExportPath: (name: string) => b.saveExportPath!(name) } : {}),
    ...(b.openRunsFolder ? { openRunsFolder: () => b.openRunsFolder!() } : {}),
  };
}
