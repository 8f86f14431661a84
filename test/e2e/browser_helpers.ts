/**
 * What the browser end-to-end tests share: the suite's server and Chromium, finding Chromium,
 * whole-screen screenshots, and acting on the page like a user (dropping a path, typing,
 * switching the theme).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { artifactsDir, ensureArtifactsDir, startE2eServer, type E2eServer } from './e2e_helpers.js';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The Chromium binary, or a failure that says how to install it. */
export function chromiumPath(): string {
  const fromEnv = process.env.SPS_CHROMIUM;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    throw new Error(`SPS_CHROMIUM is set to ${fromEnv}, which does not exist; point it at a Chromium/Chrome binary or unset it to use Debian's /usr/bin/chromium`);
  }
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) if (existsSync(p)) return p;
  try {
    const found = execFileSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).trim();
    if (found) return found;
  } catch {
    // not on PATH
  }
  throw new Error(
    'Chromium is required for the browser end-to-end tests but was not found (looked at /usr/bin/chromium, /usr/bin/chromium-browser and PATH). ' +
      'Install it with `apt-get install chromium` (.ci/run does this), or set SPS_CHROMIUM to a Chromium/Chrome binary.',
  );
}

/**
 * The browser globals the in-page functions use, typed here (this tsconfig has no DOM lib).
 * Page functions are serialized into the page, so each casts globalThis itself.
 */
export interface PageElement {
  readonly textContent: string | null;
  readonly scrollHeight: number;
  readonly disabled?: boolean;
  getAttribute(name: string): string | null;
  click(): void;
}
export interface PageGlobals {
  document: { querySelector(selector: string): PageElement | null; documentElement: PageElement };
  requestAnimationFrame(callback: () => void): number;
  DataTransfer: new () => { setData(format: string, data: string): void };
}

/**
 * Saves a screenshot of the whole screen. The page itself never scrolls (the <main> pane
 * does), so the viewport is stretched to the content's height for the shot.
 */
export async function shot(page: Page, name: string): Promise<void> {
  const viewport = page.viewportSize() ?? { width: 1280, height: 900 };
  const height = await page.evaluate(() => {
    const { document } = (globalThis as unknown as PageGlobals);
    const main = document.querySelector('main');
    return main ? main.scrollHeight : document.documentElement.scrollHeight;
  });
  await page.setViewportSize({ width: viewport.width, height: Math.min(8000, Math.max(viewport.height, height)) });
  try {
    await page.evaluate(() => new Promise<void>((r) => (globalThis as unknown as PageGlobals).requestAnimationFrame(() => (globalThis as unknown as PageGlobals).requestAnimationFrame(() => r()))));
    await page.screenshot({ path: join(artifactsDir, `${name}.png`) });
  } finally {
    await page.setViewportSize(viewport);
  }
}

export const byId = (id: string) => `[data-testid="${id}"]`;

/** The element's attribute as a number (NaN when absent). */
export async function numAttr(page: Page, selector: string, name: string): Promise<number> {
  return Number(await page.locator(selector).first().getAttribute(name));
}

/** Waits until the element's numeric attribute compares to `n` (the page's CSP forbids eval, so no predicate strings). */
export async function waitAttr(page: Page, selector: string, name: string, op: '>=' | '>' | '===', n: number): Promise<void> {
  await page.waitForFunction(
    ([sel, attr, o, a]) => {
      const raw = (globalThis as unknown as PageGlobals).document.querySelector(sel)?.getAttribute(attr);
      if (raw === null || raw === undefined) return false;
      const v = Number(raw);
      return o === '>=' ? v >= a : o === '>' ? v > a : v === a;
    },
    [selector, name, op, n] as const,
    { polling: 50 },
  );
}

/** Drops a path as text on the window, as TESTING.md describes for web mode. */
export async function dropPath(page: Page, path: string): Promise<void> {
  const dt = await page.evaluateHandle((p) => {
    const d = new (globalThis as unknown as PageGlobals).DataTransfer();
    d.setData('text/plain', p);
    return d;
  }, path);
  await page.dispatchEvent('body', 'dragenter', { dataTransfer: dt });
  await page.getByTestId('drop-overlay').waitFor();
  await page.dispatchEvent('body', 'dragover', { dataTransfer: dt });
  await page.dispatchEvent('body', 'drop', { dataTransfer: dt });
  await page.getByTestId('drop-overlay').waitFor({ state: 'detached' });
  await dt.dispose();
}

export async function setTheme(page: Page, theme: 'light' | 'dark'): Promise<void> {
  await page.getByTestId('nav-settings').click();
  await page.getByTestId(`theme-${theme}`).check();
  await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
}

/** Clears a text field and types into it like a user. */
export async function typeInto(page: Page, testId: string, text: string): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill('');
  await input.pressSequentially(text);
}

/** The browser and web server one e2e file drives, set up by `useBrowserSuite`. */
export interface BrowserSuite {
  /** The server (valid inside tests, after the suite's setup). */
  readonly e2e: E2eServer;
  /** A new page on the app with console and page errors collected; throws the setup failure if any. */
  openApp(opts?: { waitForWizard?: boolean }): Promise<{ page: Page; problems: string[] }>;
}

/**
 * Registers beforeAll/afterAll that start a web server (data dir prefixed `prefix`) and
 * Chromium. A setup failure (no Chromium, no built renderer) fails every test with its reason;
 * none is skipped.
 */
export function useBrowserSuite(prefix: string): BrowserSuite {
  let e2e: E2eServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let setupError: Error | undefined;
  beforeAll(async () => {
    ensureArtifactsDir();
    try {
      const executablePath = chromiumPath();
      e2e = await startE2eServer(prefix);
      browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 30_000 });
      context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    } catch (err) {
      setupError = err as Error;
    }
  }, 60_000);
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await e2e?.close();
  });
  return {
    get e2e(): E2eServer {
      if (!e2e) throw setupError ?? new Error('the e2e server is not started yet');
      return e2e;
    },
    async openApp(opts = {}) {
      if (setupError || !context || !e2e) throw setupError ?? new Error('the browser is not started yet');
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const problems: string[] = [];
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        if (msg.type() === 'error') problems.push(`console: ${msg.text()} (${msg.location().url})`);
      });
      await page.goto(e2e.server.url);
      if (opts.waitForWizard !== false) await page.getByTestId('screen-wizard').waitFor();
      return { page, problems };
    },
  };
}
