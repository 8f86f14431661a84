/**
 * A sweep from the wizard, in Chromium against the real web server, worker and stories260K:
 * the "sweep" switch turns the prompt length and learning rate into lists, the review step
 * launches it, the comparison view shows trials stopped early by successive halving, and the
 * recommended prompt is exported. Screenshots of the comparison view in light and dark go to
 * test-artifacts/e2e/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byId, setTheme, shot, typeInto, useBrowserSuite } from './browser_helpers.js';
import { artifactsDir } from './e2e_helpers.js';

const suite = useBrowserSuite('sps-e2e-sweep-');

describe('a sweep in the browser', () => {
  it('launches from the wizard, stops weak trials early, recommends and exports a prompt', async () => {
    const { page, problems } = await suite.openApp();
    try {
      await page.locator('html[data-theme="light"]').waitFor({ state: 'attached' });

      // The first-run screen's sample fills every step (built-in model, sentiment sample, the
      // README's template); go back to the prompt & training step to make it a sweep.
      await page.getByTestId('first-run').waitFor();
      await page.getByTestId('try-sample').click();
      await page.getByTestId('step-review').waitFor();
      await page.getByTestId('wizard-step-4').click();

      // Prompt & training: the sweep switch turns length and learning rate into lists.
      await page.getByTestId('step-training').waitFor();
      await typeInto(page, 'field-steps-input', '60');
      await typeInto(page, 'field-batch-input', '8');
      await typeInto(page, 'field-eval-every-input', '20');
      await page.getByTestId('sweep-enabled').check();
      await typeInto(page, 'sweep-tokens', '4, 8');
      await typeInto(page, 'sweep-lrs', '0.03, 0.3');
      // The plan and the total-time estimate appear before launch: 4 trials, rungs at 20 / 60.
      await page.getByTestId('sweep-estimate-time').waitFor();
      const planText = await page.getByTestId('sweep-plan').innerText();
      expect(planText).toMatch(/4 trials; rungs end at 20 \/ 60 steps; 120 steps in all \(50% of the full grid's 240\)/);
      await shot(page, 'sweep-01-training-step');
      await page.getByTestId('wizard-next').click();
      await page.getByTestId('step-review').waitFor();
      await page.getByTestId('run-name-input').fill('e2e sweep');
      expect(await page.getByTestId('launch').innerText()).toBe('Launch sweep');
      await page.getByTestId('launch').click();

      // The comparison view: trials run one after another, three are stopped after rung 1.
      await page.getByTestId('sweep-screen').waitFor();
      await page.locator(`${byId('sweep-screen')}[data-status="completed"]`).waitFor({ timeout: 240_000 });
      await page.locator(`${byId('sweep-trial-row')}[data-status="completed"]`).first().waitFor();
      expect(await page.locator(`${byId('sweep-trial-row')}[data-status="stopped"]`).count()).toBe(3);
      expect(await page.locator(`${byId('sweep-trial-row')}[data-status="completed"]`).count()).toBe(1);
      expect(await page.getByTestId('sweep-table').innerText()).toMatch(/rank \d of 4 at 20 steps: not in the best 1/);
      expect(await page.getByTestId('sweep-rules').innerText()).toMatch(/the best 1 of 4 \(1\/3\) by accuracy at 20 steps continue to 60 steps/);
      const rec = await page.getByTestId('sweep-recommendation-text').innerText();
      expect(rec).toMatch(/^\d+ tokens, lr 0\.(03|3), init random: accuracy \d\.\d\d/);
      await page.getByTestId('sweep-sensitivity').waitFor();
      await page.getByTestId('sweep-heatmap').waitFor();
      expect(Number(await page.getByTestId('sweep-curves').getAttribute('data-trials'))).toBe(4);
      await shot(page, 'sweep-02-comparison-light');

      // Export the recommended prompt as a PEFT adapter.
      await page.getByTestId('sweep-export-best').click();
      await page.getByTestId('export-dialog').waitFor();
      await page.getByTestId('export-format-peft').check();
      await page.getByTestId('export-submit').click();
      const exportPath = (await page.getByTestId('export-path').innerText()).trim();
      expect(await page.getByTestId('export-files').innerText()).toContain('adapter_model.safetensors');
      expect(existsSync(join(exportPath, 'adapter_config.json'))).toBe(true);
      await page.getByTestId('export-close').click();

      // The same view in the dark theme, reached again from the runs list.
      await setTheme(page, 'dark');
      await page.getByTestId('nav-runs').click();
      await page.getByTestId('sweep-link').first().click();
      await page.locator(`${byId('sweep-screen')}[data-status="completed"]`).waitFor();
      await page.getByTestId('sweep-recommendation').waitFor();
      await shot(page, 'sweep-03-comparison-dark');
      expect(problems).toEqual([]);
    } catch (err) {
      if (problems.length > 0) (err as Error).message += `\npage problems: ${problems.join('\n')}`;
      await page.screenshot({ path: join(artifactsDir, 'FAILED-sweep-flow.png'), fullPage: true }).catch(() => undefined);
      throw err;
    } finally {
      await page.close();
    }
  }, 300_000);
});
