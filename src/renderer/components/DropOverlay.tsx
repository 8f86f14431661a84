import { useEffect, useRef, useState } from 'react';
import { useApi, usePlatform, useStores } from '../api/context';
import type { Platform } from '../api/platform';
import { toSerialized } from '../lib/errors';
import { uploadDataset } from '../lib/upload';

const DATA_EXT = /\.(csv|tsv|jsonl|json|parquet|txt|text)$/i;

/** The path a drop carries: the desktop bridge's path of a File, or a dropped path / file:// URI as text. */
export function droppedPath(dt: DataTransfer | null, platform: Platform): { path?: string; fileName?: string; file?: File } {
  if (!dt) return {};
  const file = dt.files?.[0];
  if (file && platform.pathForFile) {
    const p = platform.pathForFile(file);
    if (p) return { path: p };
  }
  const text = (dt.getData('text/uri-list') || dt.getData('text/plain') || '').split(/\r?\n/).find((l) => l.trim() && !l.startsWith('#'))?.trim();
  if (text) {
    if (text.startsWith('file://')) {
      try {
        const u = new URL(text);
        const p = decodeURIComponent(u.pathname);
        return { path: /^\/[A-Za-z]:\//.test(p) ? p.slice(1) : p };
      } catch {
        return { path: text };
      }
    }
    return { path: text };
  }
  return file ? { fileName: file.name, file } : {};
}

/** A window-wide drop zone: drop a dataset file (or a model folder) anywhere. */
export function DropOverlay() {
  const stores = useStores();
  const api = useApi();
  const platform = usePlatform();
  const [over, setOver] = useState(false);
  const depth = useRef(0);

  useEffect(() => {
    const hasPayload = (e: DragEvent) => {
      const types = Array.from(e.dataTransfer?.types ?? []);
      return types.includes('Files') || types.includes('text/plain') || types.includes('text/uri-list');
    };
    const enter = (e: DragEvent) => {
      if (!hasPayload(e)) return;
      e.preventDefault();
      depth.current++;
      setOver(true);
    };
    const overFn = (e: DragEvent) => {
      if (!hasPayload(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const leave = () => {
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    };
    const drop = (e: DragEvent) => {
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      void handleDrop(droppedPath(e.dataTransfer, platform));
    };
    const handleDrop = async ({ path, fileName, file }: { path?: string; fileName?: string; file?: File }) => {
      const ui = stores.ui.getState();
      const wizard = stores.wizard.getState();
      if (!path && file && platform.mode === 'web' && DATA_EXT.test(file.name)) {
        // The browser does not say where the file is: its content goes to the server's data folder.
        ui.go({ name: 'wizard' });
        wizard.setStep(1);
        ui.setNotice(`Uploading "${file.name}"…`);
        try {
          const saved = await uploadDataset(api, file);
          ui.setNotice(null);
          await wizard.setDataset(saved);
        } catch (err) {
          ui.setNotice(`"${file.name}" could not be uploaded: ${toSerialized(err).message}`);
        }
        return;
      }
      if (!path) {
        if (fileName) {
          ui.setNotice(`"${fileName}" was dropped, but the app cannot tell where it is. Enter its path in the dataset field.`);
          ui.go({ name: 'wizard' });
          wizard.setStep(1);
        }
        return;
      }
      ui.setNotice(null);
      const wantsModel = !DATA_EXT.test(path) && (ui.screen.name === 'models' || (ui.screen.name === 'wizard' && wizard.step === 0));
      if (wantsModel) {
        const m = await stores.models.getState().add(path);
        if (m && ui.screen.name === 'wizard' && m.supported) wizard.selectModel(m);
        return;
      }
      ui.go({ name: 'wizard' });
      wizard.setStep(1);
      await wizard.setDataset(path);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragover', overFn);
    window.addEventListener('dragleave', leave);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragover', overFn);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('drop', drop);
    };
  }, [stores, platform, api]);

  if (!over) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <div className="drop-box">Drop a dataset file (CSV, TSV, JSONL, JSON, Parquet, TXT) or a model folder</div>
    </div>
  );
}
