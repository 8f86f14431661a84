import type { ProgressFn } from './stream.js';

/** One row of a data file: every value as a string (absent when null/missing), and where it starts. */
export interface DataRecord {
  fields: Record<string, string>;
  /** 1-based line of the row's first character (CSV/JSONL/TXT), element start line (JSON), row number (Parquet). */
  line: number;
  /** JSON keys whose values were objects/arrays: left out of `fields`, named in errors if a template uses them. */
  nested?: string[];
  /** JSONL, text lines, CSV/TSV: where the row's bytes are, to read it again on its own. */
  span?: { offset: number; bytes: number };
}

export type DataFormat = 'csv' | 'tsv' | 'jsonl' | 'json' | 'parquet' | 'text';

export interface ReadOptions {
  /** Overrides detection from the extension. */
  format?: DataFormat;
  /** Called after each chunk with bytes consumed so far and the file size; ends at totalBytes. */
  onProgress?: ProgressFn;
  /** Plain text: one record per non-empty line (default), or the whole file in ~chunkChars pieces. */
  textMode?: 'lines' | 'chunks';
  /** Target size of a text chunk in characters (default 1000). */
  chunkChars?: number;
  /** Longest line / CSV record held in memory, in characters (default 16 Mi). */
  maxLineChars?: number;
  /** Largest .json file parsed (bytes; default 200 MB). Larger: use JSONL. */
  maxJsonBytes?: number;
}
