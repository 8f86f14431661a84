import type { ApiClient } from '../../shared/api';

/** A file's bytes as base64, in slices (String.fromCharCode of a whole large file overflows the stack). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const SLICE = 0x8000;
  for (let i = 0; i < bytes.length; i += SLICE) binary += String.fromCharCode(...bytes.subarray(i, i + SLICE));
  return btoa(binary);
}

/** A File's bytes (FileReader: every browser, and jsdom, which lacks Blob.arrayBuffer). */
function readBytes(file: File): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`));
    reader.readAsArrayBuffer(file);
  });
}

/** Web mode's drop: sends the file's content to the server, which saves it in its data folder; returns the saved path. */
export async function uploadDataset(api: ApiClient, file: File): Promise<string> {
  const contentBase64 = bytesToBase64(await readBytes(file));
  const r = await api.call('datasets.upload', { name: file.name, contentBase64 });
  return r.path;
}
