/**
 * Pushes API events (src/shared/api.ts ApiEvents) to the window on one channel,
 * `sps:event` (name, payload). Only the names in EVENTS go out; anything else is dropped and
 * logged, so the renderer never sees a channel the contract does not name.
 */
import type { ApiEvents, EventName } from '../shared/api.js';
import { EVENTS } from '../shared/api.js';
import type { GateLogger } from './ipc_gate.js';
import { consoleLogger } from './ipc_gate.js';

export const EVENT_CHANNEL = 'sps:event';

/** The parts of Electron's WebContents the bridge uses. */
export interface EventTarget {
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
}

export type EmitEvent = <E extends EventName>(name: E, payload: ApiEvents[E]) => void;

export function createEventsBridge(target: () => EventTarget | null | undefined, log: GateLogger = consoleLogger): EmitEvent {
  const known = new Set<string>(EVENTS);
  return (name, payload) => {
    if (!known.has(name)) {
      log.warn(`dropped an event with an unknown name: ${String(name).slice(0, 100)}`);
      return;
    }
    const wc = target();
    if (!wc || wc.isDestroyed()) return;
    try {
      wc.send(EVENT_CHANNEL, name, payload);
    } catch (err) {
      // A payload that cannot be cloned, or a window closing under us: never crash main.
      log.error(`could not send event ${name}`, err);
    }
  };
}
