/**
 * The renderer end to end, as a user: Debian's Chromium (driven by playwright-core) against
 * the real web server (`sps serve`), a real worker and the real stories260K model. Screenshots
 * of every step go to test-artifacts/e2e/ (gitignored).
 *
 * Chromium is required: when it is missing the suite FAILS (CI installs it in .ci/run).
 * Set SPS_CHROMIUM to use another Chromium/Chrome binary.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { storiesModelDir } from '../helpers/fixtures.js';
import { artifactsDir } from './e2e_helpers.js';
import { byId, dropPath, numAttr, setTheme, shot, typeInto, waitAttr, type PageGlobals, useBrowserSuite } from './browser_helpers.js';

/**
 * The UI's run. stories260K at batch 4 does ~60 steps a second here: a 30–60 step run ended
 * before Pause could be clicked, and the run screen (six charts redrawn per progress event)
 * fell seconds behind the worker. Batch 16 × 200 steps takes ~10 s and the page keeps up.
 */
const STEPS = 200;
const BATCH = 16;

const suite = useBrowserSuite('sps-e2e-ui-');
const openApp = (): ReturnType<typeof suite.openApp> => suite.openApp();

/** Runs a flow; on failure, saves a screenshot of the page as FAILED-<name>.png and rethrows. */
async function flow(name: string, body: (pageRef: { page?: Page }) => Promise<void>): Promise<void> {
  const ref: { page?: Page } = {};
  try {
    await body(ref);
  } catch (err) {
    await ref.page?.screenshot({ path: join(artifactsDir, `FAILED-${name}.png`), fullPage: true }).catch(() => undefined);
    throw err;
  }
}

describe('web mode UI in Chromium, end to end', () => {
  it('starts from the first-run screen, tries the sample through the wizard, monitors, pauses/resumes, tries the playground and exports PEFT', () =>
    flow('main-flow', async (ref) => {
    const { page, problems } = await openApp();
    ref.page = page;
    await page.locator('html[data-theme="light"]').waitFor({ state: 'attached' });
    await page.getByTestId('step-model').waitFor();
    await shot(page, 'ui-01-start-model-step');

    // 0. First run: no runs and no models of the user's own, so the app offers the sample.
    await page.getByTestId('first-run').waitFor();
    await shot(page, 'ui-01b-first-run');
    await page.getByTestId('try-sample').click();
    // Every step is prefilled (built-in model, sentiment sample, template, a short training):
    // the wizard lands on Review & launch.
    await page.getByTestId('step-review').waitFor();
    const sampleCli = await page.getByTestId('cli-command').innerText();
    expect(sampleCli).toContain('sentiment.csv');
    expect(sampleCli).toContain('The story is');
    expect(await page.getByTestId('run-name-input').inputValue()).toBe('sample-sentiment');
    await shot(page, 'ui-02-sample-prefilled-review');

    // 1. Model: the built-in stories260K, supported and selected.
    await page.getByTestId('wizard-step-1').click();
    await page.getByTestId('step-model').waitFor();
    const row = page.locator(`${byId('model-row')}[data-supported="true"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-model-id')).toBeTruthy();
    expect(await row.getByRole('radio').isChecked()).toBe(true);
    expect(await page.getByTestId('model-row').count()).toBe(1);
    expect(await page.getByTestId('first-run').count()).toBe(0);
    await page.getByTestId('wizard-next').click();

    // 2. Dataset: the sample, columns mapped, validated.
    await page.getByTestId('step-dataset').waitFor();
    await page.locator(`${byId('validation-report')}[data-ok="true"]`).waitFor();
    expect(await numAttr(page, byId('preview-table'), 'data-rows')).toBe(200);
    expect(await page.getByTestId('map-label').inputValue()).toBe('label');
    await page.getByTestId('label-distribution').waitFor();
    const labelsText = await page.getByTestId('label-distribution').innerText();
    expect(labelsText).toContain('happy');
    expect(labelsText).toContain('sad');
    expect(await page.getByTestId('report-examples').innerText()).toMatch(/200 rows, 200 usable examples/);
    await page.locator(`${byId('wizard-next')}:not([disabled])`).waitFor();
    await shot(page, 'ui-03-dataset-validated');
    // And as the window shows it: the pane scrolls under the sticky wizard footer.
    await page.screenshot({ path: join(artifactsDir, 'ui-03b-dataset-viewport.png') });
    await page.getByTestId('wizard-next').click();

    // 3. Task: the sample's template; the tokenized preview follows edits to it.
    await page.getByTestId('step-task').waitFor();
    expect(await page.getByTestId('input-template-input').inputValue()).toBe('{text} The story is');
    await typeInto(page, 'input-template-input', '{text} The story was');
    await page.getByTestId('template-example').filter({ hasText: 'was' }).first().waitFor();
    await typeInto(page, 'input-template-input', '{text} The story is');
    const example = page.getByTestId('template-example').filter({ hasText: 'story' }).filter({ hasNotText: 'was' }).first();
    await example.waitFor();
    // Its tokens spell the typed template after the text, then the label's verbalizer as the output.
    const input = (await example.locator('[data-testid="token"][data-part="input"]').allInnerTexts()).join('').replace(/▁/g, ' ');
    expect(input).toContain('The story is');
    expect(await example.locator('[data-testid="token"][data-part="output"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('token').count()).toBeGreaterThan(5);
    await page.getByTestId('verbalizers').waitFor();
    await shot(page, 'ui-04-task-template');
    await page.getByTestId('wizard-next').click();

    // 4. Prompt & training: small and quick.
    await page.getByTestId('step-training').waitFor();
    await typeInto(page, 'field-virtual-tokens-input', '6');
    await typeInto(page, 'field-lr-input', '0.3');
    await typeInto(page, 'field-steps-input', String(STEPS));
    await typeInto(page, 'field-batch-input', String(BATCH));
    await typeInto(page, 'field-eval-every-input', String(STEPS / 4));
    // A bad value names its field and blocks Next; fixing it unblocks.
    await typeInto(page, 'field-lr-input', '0');
    expect(await page.getByTestId('next-reason').innerText()).toMatch(/training\.learningRate/);
    expect(await page.getByTestId('wizard-next').isDisabled()).toBe(true);
    await typeInto(page, 'field-lr-input', '0.3');
    await page.getByTestId('estimates').waitFor();
    expect(await page.getByTestId('next-reason').count()).toBe(0);
    await shot(page, 'ui-05-training-settings');
    await page.getByTestId('wizard-next').click();

    // 5. Review and launch.
    await page.getByTestId('step-review').waitFor();
    await page.getByTestId('run-name-input').fill('e2e-ui-flow');
    const cli = await page.getByTestId('cli-command').innerText();
    expect(cli).toContain('sps tune');
    expect(cli).toContain(`--steps ${STEPS}`);
    expect(cli).toContain('The story is');
    await shot(page, 'ui-06-review');
    await page.getByTestId('launch').click();

    // The run: charts grow; pause and resume; then it finishes.
    const run = page.getByTestId('screen-run');
    await run.locator(byId('chart-loss')).waitFor();
    const runId = await run.getAttribute('data-run-id');
    expect(runId).toBeTruthy();
    await waitAttr(page, byId('chart-loss'), 'data-points', '>=', 1);
    const first = await numAttr(page, byId('chart-loss'), 'data-points');
    // Pause while it runs. A Playwright click waits for stable frames, and the run screen
    // redraws its charts on every step (~60/s here), so a 200-step run could end first:
    // press the button from inside the page as soon as it is enabled.
    await page.waitForFunction(
      (min) => {
        const { document } = (globalThis as unknown as PageGlobals);
        const b = document.querySelector('[data-testid="run-pause"]');
        const points = Number(document.querySelector('[data-testid="chart-loss"]')?.getAttribute('data-points'));
        if (!b || b.disabled || !(points > min)) return false;
        b.click();
        return true;
      },
      first,
      { polling: 20 },
    );
    await page.locator(`${byId('screen-run')}[data-status="paused"]`).waitFor();
    const pausedPoints = await numAttr(page, byId('chart-loss'), 'data-points');
    expect(pausedPoints).toBeGreaterThan(first);
    expect(pausedPoints).toBeLessThan(STEPS);
    expect(await numAttr(page, byId('run-progress'), 'aria-valuenow')).toBeLessThan(STEPS);
    expect(await numAttr(page, byId('run-progress'), 'aria-valuemax')).toBe(STEPS);
    await shot(page, 'ui-07-run-paused');
    await page.waitForTimeout(300);
    expect(await numAttr(page, byId('chart-loss'), 'data-points')).toBe(pausedPoints);
    await page.locator(`${byId('run-resume')}:not([disabled])`).click();
    await waitAttr(page, byId('chart-loss'), 'data-points', '>', pausedPoints);
    await page.locator(`${byId('screen-run')}[data-status="completed"]`).waitFor({ timeout: 90_000 });
    expect(await numAttr(page, byId('run-progress'), 'aria-valuenow')).toBe(STEPS);
    expect(await numAttr(page, byId('chart-loss'), 'data-points')).toBe(STEPS);
    await waitAttr(page, byId('chart-metric'), 'data-points', '===', 4);
    await page.getByTestId('results').waitFor();
    await page.getByTestId('confusion-matrix').waitFor();
    // Every validation example with its prediction, mistakes first (the real engine's numbers).
    await page.getByTestId('predictions-summary').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('prediction-row').count()).toBe(20);
    await shot(page, 'ui-08-run-completed');

    // Playground: with and without the prompt, side by side, streamed.
    await page.getByTestId('playground-input').fill('Once upon a time, Lily found a ball.');
    await page.getByTestId('playground-max-tokens').fill('24');
    await page.getByTestId('playground-generate').click();
    await page.waitForFunction(() => ['with', 'without'].every((k) => ((globalThis as unknown as PageGlobals).document.querySelector(`[data-testid="stream-${k}-text"]`)?.textContent ?? '').length > 0));
    await page.locator(`${byId('stream-with')}[data-status="done"]`).waitFor();
    await page.locator(`${byId('stream-without')}[data-status="done"]`).waitFor();
    expect((await page.getByTestId('stream-with-text').innerText()).trim().length).toBeGreaterThan(0);
    expect((await page.getByTestId('stream-without-text').innerText()).trim().length).toBeGreaterThan(0);
    await page.getByTestId('classify-input').fill('Mia got a new puppy and laughed all day.');
    await page.getByTestId('classify-submit').click();
    expect(['happy', 'sad']).toContain(await page.getByTestId('classify-prediction').innerText());
    await page.getByTestId('playground').scrollIntoViewIfNeeded();
    await shot(page, 'ui-09-playground');

    // Export a PEFT adapter; the files are where the UI says.
    await page.getByTestId('export-open').click();
    await page.getByTestId('export-dialog').waitFor();
    await page.getByTestId('export-format-peft').check();
    await page.getByTestId('export-submit').click();
    const exportPath = (await page.getByTestId('export-path').innerText()).trim();
    const listed = await page.getByTestId('export-files').innerText();
    expect(listed).toContain('adapter_config.json');
    expect(listed).toContain('adapter_model.safetensors');
    expect(existsSync(join(exportPath, 'adapter_config.json'))).toBe(true);
    expect(existsSync(join(exportPath, 'adapter_model.safetensors'))).toBe(true);
    expect(JSON.parse(readFileSync(join(exportPath, 'adapter_config.json'), 'utf8'))).toMatchObject({ peft_type: 'PROMPT_TUNING', num_virtual_tokens: 6 });
    await shot(page, 'ui-10-export-peft');
    await page.getByTestId('export-close').click();

    // The same run in the dark theme, and the runs list.
    await setTheme(page, 'dark');
    await page.getByTestId('nav-runs').click();
    await page.locator(`${byId('run-row')}[data-run-id="${runId}"][data-status="completed"]`).waitFor();
    await shot(page, 'ui-11-runs-list-dark');
    await page.locator(`${byId('run-row')}[data-run-id="${runId}"] ${byId('run-open')}`).click();
    await page.locator(`${byId('screen-run')}[data-status="completed"]`).waitFor();
    await waitAttr(page, byId('chart-loss'), 'data-points', '===', STEPS);
    await shot(page, 'ui-12-run-completed-dark');
    await setTheme(page, 'light');

    expect(problems).toEqual([]);
    await page.close();
  }), 150_000);

  it('logs in through the #token fragment: the token leaves the address bar and survives a reload', () =>
    flow('fragment-login', async (ref) => {
      expect(new URL(suite.e2e.server.url).hash).toBe(`#token=${suite.e2e.server.token}`);
      const { page, problems } = await openApp();
      ref.page = page;
      // The page took the token from the fragment, kept it for the tab, and cleaned the address bar.
      expect(page.url()).not.toContain(suite.e2e.server.token);
      expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('sps.token'))).toBe(suite.e2e.server.token);
      // A reload (no fragment now) still reaches the API: adding the model works.
      await page.reload();
      await page.getByTestId('step-model').waitFor();
      await page.getByTestId('model-path-input').fill(storiesModelDir());
      await page.getByTestId('model-add').click();
      await page.locator(`${byId('model-row')}[data-supported="true"]`).waitFor();
      expect(problems).toEqual([]);
      await page.close();
    }));

  it('shows a broken dataset’s errors with their line numbers', () =>
    flow('broken-dataset', async (ref) => {
    // Inside the data dir: web mode reads nothing outside its allowed folders.
    const dir = mkdtempSync(join(suite.e2e.dataDir, 'broken-'));
    try {
      const file = join(dir, 'broken.csv');
      const good = ['Mia and her dog danced in the sun.,happy', "Max's fish ran away and he felt alone.,sad", 'Tom got a new red car and smiled all day.,happy', 'Lily lost her kite in the wind.,sad', 'Ben found a shiny shell and laughed.,happy'];
      // Line 4 is ragged (three fields).
      writeFileSync(file, ['text,label', good[0], good[1], 'Jack lost his teddy bear,and cried.,sad', good[2], good[3], good[4]].join('\n') + '\n');

      const { page, problems } = await openApp();
      ref.page = page;
      await setTheme(page, 'dark');
      // A model first (validation tokenizes with it); adding the same folder again is harmless.
      await page.getByTestId('nav-new').click();
      await page.getByTestId('model-path-input').fill(storiesModelDir());
      await page.getByTestId('model-add').click();
      await page.locator(`${byId('model-row')}[data-supported="true"] input[type="radio"]:checked`).waitFor();
      await dropPath(page, file);
      await page.getByTestId('step-dataset').waitFor();
      const err = page.getByTestId('dataset-error');
      await err.waitFor();
      expect(await err.getAttribute('data-code')).toBe('INVALID_DATA');
      // The message, where and the hint, each once (not "file:4: message — hint" and then again).
      expect(await err.locator('.error-message').innerText()).toBe('line 4 has 3 fields, but the header has 2 (text, label)');
      expect(await page.getByTestId('dataset-error-location').innerText()).toMatch(/line 4/);
      expect(await page.getByTestId('dataset-error-hint').innerText()).toMatch(/double quotes/);
      expect(await page.getByTestId('wizard-next').isDisabled()).toBe(true);
      expect(await page.getByTestId('next-reason').innerText()).toMatch(/could not be read/);
      await shot(page, 'ui-20-broken-ragged-row-dark');

      // Fixed line 4, but line 6 has an empty label: the report lists it by line.
      writeFileSync(file, ['text,label', good[0], good[1], 'Jack lost his teddy bear and cried.,sad', good[2], 'Sam dropped his ice cream.,', good[3], good[4]].join('\n') + '\n');
      await page.getByTestId('dataset-load').click();
      await page.locator(`${byId('validation-report')}[data-ok="false"]`).waitFor();
      expect(await page.locator(`${byId('problem-group')}[data-kind="empty_field"] ${byId('problem-line')}`).allInnerTexts()).toEqual(['line 6']);

      // The file changes on disk: line 4 now has a label outside the set the report found (happy, sad).
      writeFileSync(file, ['text,label', good[0], good[1], 'Jack lost his teddy bear and cried.,angry', good[2], 'Sam dropped his ice cream.,', good[3], good[4]].join('\n') + '\n');
      await page.getByTestId('dataset-validate').click();
      await page.locator(`${byId('problem-group')}[data-kind="label_outside_set"]`).waitFor();
      const report = page.locator(`${byId('validation-report')}[data-ok="false"]`);
      expect(await report.getByTestId('report-status').innerText()).toBe('2 errors');
      expect(await page.locator(`${byId('problem-group')}[data-kind="label_outside_set"] ${byId('problem-line')}`).allInnerTexts()).toEqual(['line 4']);
      expect(await page.locator(`${byId('problem-group')}[data-kind="label_outside_set"] ${byId('problem')}`).innerText()).toMatch(/"angry".*not one of the allowed labels/);
      expect(await page.locator(`${byId('problem-group')}[data-kind="empty_field"] ${byId('problem-line')}`).allInnerTexts()).toEqual(['line 6']);
      expect(await page.getByTestId('next-reason').innerText()).toMatch(/Fix 2 errors/);
      expect(await page.getByTestId('wizard-next').isDisabled()).toBe(true);
      await report.scrollIntoViewIfNeeded();
      await shot(page, 'ui-21-broken-validation-report-dark');
      await setTheme(page, 'light');
      await page.getByTestId('nav-new').click();
      await page.locator(`${byId('validation-report')}[data-ok="false"]`).waitFor();
      await shot(page, 'ui-22-broken-validation-report-light');

      expect(problems).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }), 60_000);
});
