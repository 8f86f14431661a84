import { createContext, useContext, useEffect, useMemo, type ReactNode } from 'react';
import type { ApiClient } from '../../shared/api';
import type { Platform } from './platform';
import { createStores, type Stores } from '../stores';

interface AppContext {
  api: ApiClient;
  platform: Platform;
  stores: Stores;
}

const Ctx = createContext<AppContext | null>(null);

/** Gives every component the API client, the platform capabilities and the screens' stores. */
export function AppProvider({ api, platform, stores, children }: { api: ApiClient; platform: Platform; stores?: Stores; children: ReactNode }) {
  const value = useMemo(() => ({ api, platform, stores: stores ?? createStores(api) }), [api, platform, stores]);
  useEffect(() => value.stores.connect(), [value]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

function useCtx(): AppContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('AppProvider is missing');
  return c;
}

export const useApi = (): ApiClient => useCtx().api;
export const usePlatform = (): Platform => useCtx().platform;
export const useStores = (): Stores => useCtx().stores;
