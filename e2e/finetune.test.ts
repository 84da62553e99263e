// Browser tier, full fine-tuning in the studio: with the tiny BERT loaded from dropped files
// (public/models/tiny-bert, made by `npm test`'s setup), the Train card "Fine-tune the whole encoder" tokenises
// a small sample of the demo data on the page, the trainer worker measures a step and the page shows the whole
// run's time estimate with a CPU-adapter warning, trains a few steps (every encoder weight, in WGSL; paused and
// resumed on the way), makes the fine-tuned model the active head and keeps the run in the history; the
// playground predicts with it through the token-id path. Shapes are tiny: SwiftShader runs WGSL on the CPU.
// Screenshot: test-results/finetune-train.png.
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, recordPageErrors } from './browser';

const TINY = 'public/models/tiny-bert';
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

async function text(testid: string): Promise<string> {
  return (await page.getByTestId(testid).first().textContent()) ?? '';
}

/** Real dragenter/dragover/drop events carrying tiny-bert's files onto the model drop zone. */
async function dropTinyBert(): Promise<void> {
  const files = ['model.onnx', 'tokenizer.json', 'config.json'].map((name) => ({ name, bytes: Array.from(readFileSync(`${TINY}/${name}`)) }));
  await page.evaluate((files) => {
    const target = document.querySelector('[data-testid="model-drop"]');
    if (!target) throw new Error('no model drop zone');
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name));
    for (const type of ['dragenter', 'dragover', 'drop']) target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, files);
}

const status = () => text('train-status');

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  recordPageErrors(page, pageErrors);
  await page.goto(inject('baseUrl' as never) as string);
});

afterAll(async () => {
  await browser?.close();
});

describe('fine-tune the whole encoder in the studio', () => {
  it('trains a finetune run of a few steps on the tiny BERT, shows its estimate first, and predicts with it', async () => {
    await expect.poll(async () => page.getByTestId('train-panel').count(), { timeout: 120_000 }).toBe(1);
    await expect.poll(async () => text('encoder-status'), { timeout: 240_000, interval: 500 }).toMatch(/ready|error/);
    await dropTinyBert();
    const model = async () => ((await page.getByTestId('model-error').count()) ? `error: ${await text('model-error')}` : text('strip-model'));
    await expect.poll(model, { timeout: 240_000, interval: 250 }).toBe('bert-32 (model.onnx)');
    await expect.poll(async () => page.getByTestId('train-start').isEnabled(), { timeout: 600_000, interval: 500 }).toBe(true);

    await page.locator('[data-kind=finetune] input').check();
    // The kind's default rate replaces the form's (the field follows the store after React's effect).
    await expect.poll(async () => page.getByTestId('train-lr').inputValue(), { timeout: 10_000, interval: 100 }).toBe('0.00005');
    await page.locator('[data-testid=train-advanced] summary').click();
    for (const [field, value] of [['tmax', '16'], ['maxTrain', '48'], ['maxDev', '8'], ['epochs', '1'], ['batchSize', '8'], ['patience', '0'], ['lr', '0.001']]) {
      await page.getByTestId(`train-${field}`).fill(value);
    }
    expect(await text('train-start')).toMatch(/Fine-tune the whole encoder/);
    await page.getByTestId('train-start').click();
    await expect.poll(status, { timeout: 30_000, interval: 50 }).not.toBe('idle');

    // Pause as soon as the run is in the worker (the steps are timed first, then every step waits at the pause
    // gate): the step counter holds; resume continues. The same run-control as every kind.
    await expect.poll(status, { timeout: 60_000, interval: 50 }).toBe('training');
    await page.getByTestId('train-pause').click();
    await expect.poll(status, { timeout: 30_000, interval: 50 }).toBe('paused');
    await page.waitForTimeout(1500);
    const stepPaused = await text('live-step');
    await page.waitForTimeout(3000);
    expect(await text('live-step')).toBe(stepPaused);
    expect(await status()).toBe('paused');
    await page.getByTestId('train-resume').click();
    await expect.poll(status, { timeout: 30_000, interval: 50 }).not.toBe('paused');

    // The worker times real steps before it trains: the whole run's estimate, and on this CPU adapter a warning.
    const hint = async () => ((await page.getByTestId('size-hint').count()) ? text('size-hint') : `${await status()}: ${(await page.getByTestId('train-error').count()) ? await text('train-error') : ''}`);
    await expect.poll(hint, { timeout: 300_000, interval: 100 }).toMatch(/^Measured before training.*: a step takes .+, so this run takes about/);
    const fallback = await page.evaluate(async () => (await navigator.gpu.requestAdapter())?.info.isFallbackAdapter ?? false);
    expect(await page.getByTestId('cpu-adapter-warning').count()).toBe(fallback ? 1 : 0);
    console.info(`[e2e finetune] ${await text('size-hint')}`);

    const ended = async () => {
      const s = await status();
      return s === 'error' ? `error: ${await text('train-error')}` : s;
    };
    await expect.poll(ended, { timeout: 600_000, interval: 250 }).toBe('done');
    expect(await text('live-step')).toBe('6'); // 48 examples, batch 8, 1 epoch
    mkdirSync('test-results', { recursive: true });
    await page.getByTestId('train-panel').screenshot({ path: 'test-results/finetune-train.png' });

    // The run is the active head and is in the history.
    const runId = await page.getByTestId('active-head').getAttribute('data-head-id');
    expect(runId).toMatch(/^run-/);
    await expect.poll(async () => page.locator(`[data-testid=history-row][data-run-id="${runId}"]`).count(), { timeout: 60_000 }).toBe(1);

    // The playground predicts through the token-id path (the page's tokenizer, the WGSL encoder of the head).
    await page.getByTestId('play-text').fill('a short message about a meeting');
    await page.getByTestId('play-predict').click();
    const play = async () => {
      if (await page.getByTestId('play-error').count()) return `error: ${await text('play-error')}`;
      const probs = page.getByTestId('play-probs');
      return (await probs.count()) && (await probs.getAttribute('data-head-id')) === runId ? 'probs' : 'waiting';
    };
    await expect.poll(play, { timeout: 120_000, interval: 250 }).toBe('probs');
    const ps = await page.getByTestId('play-prob').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-p'))));
    expect(ps).toHaveLength(2);
    expect(Math.abs(ps[0] + ps[1] - 1)).toBeLessThan(1e-5);
    expect(pageErrors).toEqual([]);
  }, 1_200_000);
});
