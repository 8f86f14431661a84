import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from './api/client';
import { AppProvider } from './api/context';
import { detectPlatform } from './api/platform';
import { App } from './App';
import './styles.css';

const root = createRoot(document.getElementById('root')!);
root.render(
  <StrictMode>
    <AppProvider api={createClient()} platform={detectPlatform()}>
      <App />
    </AppProvider>
  </StrictMode>,
);
