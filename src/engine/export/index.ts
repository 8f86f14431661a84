/** Exports of a soft prompt (DESIGN.md §5) and the run-level entry point. Import: tuning/prompt_file.ts readSoftPrompt. */
export { renderPromptCard, summariseMetrics, type PromptCardInput, type MetricsSummary } from './card.js';
export { exportRun, EXPORT_FORMATS, type ExportCheckpoint, type ExportFormat, type ExportOptions, type ExportResult } from './export_run.js';
export { encodePromptJson, promptFromJson, readPromptJson, writePromptJson, PROMPT_JSON_FORMAT, PROMPT_JSON_VERSION } from './json.js';
export { decodeNpy, encodeNpy, npyToPrompt, readNpyPrompt, writeNpy, type NpyArray, type NpyFloat } from './npy.js';
export { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, PEFT_VERSION, peftAdapterConfig, writePeftAdapter, type PeftPromptTuningConfig } from './peft.js';
export { writePromptSafetensors } from './safetensors.js';
