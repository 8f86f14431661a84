import { useEffect, useState } from 'react';
import type { Settings } from '../shared/api';

const query = '(prefers-color-scheme: dark)';

export function effectiveTheme(theme: Settings['theme']): 'light' | 'dark' {
  return theme === 'system' ? (systemDark() ? 'dark' : 'light') : theme;
}

function systemDark(): boolean {
  return typeof window.matchMedia === 'function' && window.matchMedia(query).matches;
}

/** Applies the chosen theme to <html data-theme>, following the OS for 'system'. */
export function useAppliedTheme(theme: Settings['theme']): 'light' | 'dark' {
  const [dark, setDark] = useState(systemDark);
  useEffect(() => {
    if (typeof window.matchMedia !== 'function') return;
    const mq = window.matchMedia(query);
    const on = () => setDark(mq.matches);
    mq.addEventListener?.('change', on);
    return () => mq.removeEventListener?.('change', on);
  }, []);
  const effective = theme === 'system' ? (dark ? 'dark' : 'light') : theme;
  useEffect(() => {
    document.documentElement.dataset.theme = effective;
    document.documentElement.style.colorScheme = effective;
  }, [effective]);
  return effective;
}
