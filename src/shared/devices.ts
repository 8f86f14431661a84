import type { ProviderInfo } from './api.js';

/** One line about a device, as `sps devices` and the Settings screen show it. */
export function describeProvider(p: ProviderInfo): string {
  if (!p.available) return `unavailable: ${p.reason ?? ''}`;
  const parts: string[] = [];
  if (p.adapter) {
    const kind = p.adapter.kind === 'software' ? 'software renderer' : p.adapter.kind === 'gpu' ? 'GPU' : 'kind unknown';
    parts.push(`${p.adapter.name ?? 'adapter not identified'} [${kind}${p.adapter.driver ? `, ${p.adapter.driver}` : ''}]`);
  }
  if (p.memory) {
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    parts.push(`${gib(p.memory.freeBytes)} free of ${gib(p.memory.totalBytes)} (${p.memory.source})`);
  }
  if (p.fp16) parts.push('fp16');
  if (p.explicitOnly) parts.push('only when asked for by name');
  return `available${parts.length ? `: ${parts.join('; ')}` : ''}`;
}

/**
 * The devices a user is offered: software WebGPU adapters are left out (tens of times slower
 * than the CPU provider) unless the job already names one.
 */
export function offeredProviders(providers: readonly ProviderInfo[], current: string): ProviderInfo[] {
  return providers.filter((p) => !p.explicitOnly || p.name === current);
}
