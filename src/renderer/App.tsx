import { useEffect } from 'react';
import { DropOverlay } from './components/DropOverlay';
import { ModelsScreen } from './screens/ModelsScreen';
import { RunScreen } from './screens/run/RunScreen';
import { RunsScreen } from './screens/RunsScreen';
import { SettingsScreen } from './screens/SettingsScreen';
import { SweepScreen } from './screens/sweep/SweepScreen';
import { Wizard } from './screens/wizard/Wizard';
import { useSettings, useUi } from './stores';
import type { Screen } from './stores/ui';
import { useAppliedTheme } from './theme';
import { useStores } from './api/context';

const NAV: { screen: Screen; label: string; testId: string }[] = [
  { screen: { name: 'wizard' }, label: 'New tuning', testId: 'nav-new' },
  { screen: { name: 'runs' }, label: 'Runs', testId: 'nav-runs' },
  { screen: { name: 'models' }, label: 'Models', testId: 'nav-models' },
  { screen: { name: 'settings' }, label: 'Settings', testId: 'nav-settings' },
];

export function App() {
  const stores = useStores();
  const screen = useUi((s) => s.screen);
  const notice = useUi((s) => s.notice);
  const theme = useSettings((s) => s.theme);
  const applied = useAppliedTheme(theme);

  useEffect(() => {
    void stores.settings.getState().load();
    void stores.settings.getState().loadInfo();
  }, [stores]);

  const active = screen.name === 'run' || screen.name === 'sweep' ? 'runs' : screen.name;
  return (
    <div className="app" data-theme-applied={applied}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">Soft Prompt Studio</div>
        <ul>
          {NAV.map((n) => (
            <li key={n.testId}>
              <button type="button" className="nav-item" data-testid={n.testId} aria-current={active === n.screen.name ? 'page' : undefined} onClick={() => stores.ui.getState().go(n.screen)}>
                {n.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {notice && (
          <div className="notice" role="status" data-testid="notice">
            <span>{notice}</span>
            <button type="button" className="link" onClick={() => stores.ui.getState().setNotice(null)}>
              Dismiss
            </button>
          </div>
        )}
        {screen.name === 'wizard' && <Wizard />}
        {screen.name === 'runs' && <RunsScreen />}
        {screen.name === 'models' && <ModelsScreen />}
        {screen.name === 'settings' && <SettingsScreen />}
        {screen.name === 'run' && <RunScreen id={screen.id} key={screen.id} />}
        {screen.name === 'sweep' && <SweepScreen id={screen.id} key={screen.id} />}
      </main>
      <DropOverlay />
    </div>
  );
}
