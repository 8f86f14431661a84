import { useEffect, useState } from 'react';
import type { Settings } from '../../shared/api';
import { describeProvider } from '../../shared/devices';
import { usePlatform, useStores } from '../api/context';
import { ErrorBox, Loading } from '../components/common';
import { HubTokenSettings } from '../components/HubTokenSettings';
import { TokenCacheSettings } from '../components/TokenCacheSettings';
import { useSettings } from '../stores';
import { effectiveTheme } from '../theme';

export function SettingsScreen() {
  const stores = useStores();
  // Web mode: the operator sets the runs folder (`sps serve --runs-dir`); a browser cannot.
  const platform = usePlatform();
  const webMode = platform.mode === 'web';
  const settings = useSettings((s) => s.settings);
  const info = useSettings((s) => s.info);
  const theme = useSettings((s) => s.theme);
  const saving = useSettings((s) => s.saving);
  const [runsDir, setRunsDir] = useState(settings.data?.runsDir ?? '');
  useEffect(() => setRunsDir(settings.data?.runsDir ?? ''), [settings.data?.runsDir]);

  const themes: { value: Settings['theme']; label: string }[] = [
    { value: 'system', label: 'Follow the system' },
    { value: 'light', label: 'Light' },
    { value: 'dark', label: 'Dark' },
  ];
  return (
    <div className="screen" data-testid="screen-settings">
      <h1>Settings</h1>
      <fieldset className="card">
        <legend>Theme</legend>
        <div className="row wrap" role="radiogroup" aria-label="Theme">
          {themes.map((t) => (
            <label key={t.value} className="radio">
              <input type="radio" name="theme" value={t.value} checked={theme === t.value} onChange={() => void stores.settings.getState().setTheme(t.value)} data-testid={`theme-${t.value}`} />
              {t.label}
            </label>
          ))}
        </div>
        <button type="button" className="secondary" data-testid="theme-toggle" onClick={() => void stores.settings.getState().setTheme(effectiveTheme(theme) === 'dark' ? 'light' : 'dark')}>
          Switch to {effectiveTheme(theme) === 'dark' ? 'light' : 'dark'} theme
        </button>
      </fieldset>
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void stores.settings.getState().save({ runsDir });
        }}
      >
        <h2>Storage</h2>
        {settings.status === 'loading' && <Loading label="Loading settings…" />}
        {settings.error && <ErrorBox error={settings.error} title="Settings" testId="settings-error" />}
        <label className="field">
          <span>Runs folder</span>
          <input type="text" value={runsDir} readOnly={webMode} onChange={(e) => setRunsDir(e.target.value)} data-testid="settings-runs-dir" />
        </label>
        {platform.openRunsFolder && (
          <button
            type="button"
            className="secondary"
            data-testid="settings-runs-dir-choose"
            onClick={async () => {
              // The desktop app accepts a new runs folder only from this dialog (main keeps the grant).
              const p = await platform.openRunsFolder!();
              if (p) setRunsDir(p);
            }}
          >
            Choose…
          </button>
        )}
        {webMode && <p className="muted" data-testid="settings-runs-dir-web">Set by the server (<code>sps serve --runs-dir</code>); a browser cannot change it.</p>}
        <button type="submit" disabled={saving || webMode} data-testid="settings-save">
          {saving ? 'Saving…' : 'Save'}
        </button>
      </form>
      <HubTokenSettings />
      <TokenCacheSettings />
      <section className="card" data-testid="system-info">
        <h2>System</h2>
        {info.status === 'loading' && <Loading label="Probing devices…" />}
        {info.error && <ErrorBox error={info.error} title="System information" />}
        {info.data && (
          <>
            <dl className="kv">
              <dt>Version</dt>
              <dd>{info.data.appVersion}</dd>
              <dt>Mode</dt>
              <dd>{info.data.mode}</dd>
              <dt>Platform</dt>
              <dd>{info.data.platform}</dd>
              <dt>Node / onnxruntime</dt>
              <dd>
                {info.data.node} / {info.data.onnxruntime}
              </dd>
              <dt>Data</dt>
              <dd>
                <code>{info.data.paths.data}</code>
              </dd>
            </dl>
            <h3>Devices</h3>
            <ul>
              {info.data.providers.map((p) => (
                <li key={p.name} data-testid={`device-info-${p.name}`}>
                  <strong>{p.name}</strong>: {describeProvider(p)}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </div>
  );
}
