// Browser tier, studio shell: the sticky status strip shows the WebGPU adapter and the encoder's EP once ready;
// a dropped file that is not a model (a text file named model.onnx) gets a specific message while the default
// model stays loaded and usable; dropping tiny-bert's files (public/models/tiny-bert, made by `npm test`'s setup)
// loads it and the strip and the Model step show it. Drops are real drop events carrying Files. Screenshots go to
// test-results/shell-*.png.
import { mkdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, recordPageErrors } from './browser';

const TINY = 'public/models/tiny-bert';
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

interface DropFile { name: string; bytes: number[]; type?: string }

function fileFrom(path: string, name = path.split('/').pop()!): DropFile {
  return { name, bytes: Array.from(readFileSync(path)) };
}

/** Dispatch dragenter, dragover and drop on the element with `testid`, carrying `files`. */
async function drop(testid: string, files: DropFile[]): Promise<void> {
  await page.evaluate(
    ({ testid, files }) => {
      const target = document.querySelector(`[data-testid="${testid}"]`);
      if (!target) throw new Error(`no element with data-testid=${testid}`);
      const dt = new DataTransfer();
      for (const f of files) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type ?? '' }));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    },
    { testid, files },
  );
}

async function text(testid: string): Promise<string> {
  return (await page.getByTestId(testid).first().textContent()) ?? '';
}

async function shot(name: string): Promise<void> {
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: true });
}

/** Wait until no model load is pending. */
async function settled(timeout = 240_000): Promise<void> {
  await expect.poll(async () => page.getByTestId('model-pending').count(), { timeout, interval: 250 }).toBe(0);
}

/** Encode a text in the folded encoder details and return the pooled vector's length. */
async function encodeWidth(sentence: string): Promise<number> {
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
  await page.getByTestId('try-text').fill(sentence);
  await page.getByTestId('try-encode').click();
  const result = page.getByTestId('try-result');
  await expect.poll(async () => (await result.count()) > 0 && (await result.getAttribute('data-pooled'))?.length, { timeout: 120_000 }).toBeTruthy();
  await expect.poll(async () => text('encoder-status'), { timeout: 120_000 }).toBe('ready');
  return (JSON.parse((await result.getAttribute('data-pooled'))!) as number[]).length;
}

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  recordPageErrors(page, pageErrors);
  await page.goto(inject('baseUrl' as never) as string);
});

afterAll(async () => {
  await browser?.close();
});

describe('studio shell in headless Chromium', () => {
  it('shows the adapter and the encoder EP in the status strip once ready', async () => {
    const ep = page.getByTestId('strip-ep');
    await expect.poll(async () => (await ep.count()) > 0 && (await ep.getAttribute('data-ep')), { timeout: 240_000, interval: 250 }).toBe('wasm');
    expect(await text('strip-model')).toBe('use-lite');
    expect(await text('strip-encoder')).toMatch(/auto: CPU fallback adapter/); // why auto picked wasm here
    await expect.poll(async () => page.getByTestId('strip-gpu').getAttribute('data-tone'), { timeout: 240_000, interval: 500 }).toMatch(/ok|warn/);
    const adapter = await text('strip-adapter');
    expect(adapter).toMatch(/ · (fallback \(CPU\)|hardware)$/);
    expect(adapter.length).toBeGreaterThan(' · hardware'.length);
    // The strip stays in view when the page scrolls (a short window, so the page is sure to scroll).
    await page.setViewportSize({ width: 1280, height: 480 });
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(200);
    expect((await page.getByTestId('status-strip').boundingBox())?.y).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.setViewportSize({ width: 1280, height: 900 });
    await expect.poll(async () => page.getByTestId('strip-cache-size').textContent(), { timeout: 60_000 }).toMatch(/\d/);
    await shot('shell-ready');
  });

  it('refuses a text file named model.onnx with a specific message and keeps the default model usable', async () => {
    const bad = { name: 'model.onnx', bytes: Array.from(new TextEncoder().encode('this is just text, not a model\n')) };
    await drop('model-drop', [bad, fileFrom(`${TINY}/tokenizer.json`)]);
    await expect.poll(async () => page.getByTestId('model-error').count(), { timeout: 120_000 }).toBe(1);
    await settled();
    const code = await page.getByTestId('model-error').getAttribute('data-code');
    expect(`${code}: ${await text('model-error')}`).toMatch(/^not-onnx: That file is not an ONNX model.*model\.onnx is not an ONNX model: it does not start like an ONNX protobuf/s);
    expect(await text('model-error')).toMatch(/keeps using use-lite/);
    expect(await text('strip-model')).toBe('use-lite');
    expect(await text('encoder-status')).toBe('ready');
    await shot('shell-bad-model');
    // The default model still encodes (its worker was not disposed by the failed load).
    expect(await encodeWidth('still here after a bad drop')).toBe(512);

    // A model file alone: the tokenizer is missing, said before any worker starts.
    await drop('model-drop', [fileFrom(`${TINY}/model.onnx`)]);
    await expect.poll(async () => `${await page.getByTestId('model-error').getAttribute('data-code')}: ${await text('model-error')}`, { timeout: 30_000 }).toMatch(/^missing-file: /);
    expect(await text('model-error')).toMatch(/No tokenizer\.json among the files given \(model\.onnx\)/);
    expect(await text('strip-model')).toBe('use-lite');
  });

  it("loads tiny-bert from dropped files and shows it in the strip and the Model step", async () => {
    await drop('model-drop', ['model.onnx', 'tokenizer.json', 'config.json'].map((f) => fileFrom(`${TINY}/${f}`)));
    // Poll the strip, or the load's error / progress when there is one (so a failure says why).
    const state = async () => {
      if (await page.getByTestId('model-error').count()) return `error: ${await text('model-error')}`;
      const model = await text('strip-model');
      if (model === 'bert-32 (model.onnx)') return model;
      return (await page.getByTestId('model-pending').count()) ? `pending: ${await text('model-pending')}` : `strip: ${model}`;
    };
    await expect.poll(state, { timeout: 240_000, interval: 250 }).toBe('bert-32 (model.onnx)');
    await settled();
    expect(await page.getByTestId('model-error').count()).toBe(0);
    expect(await text('model-name')).toBe('bert-32 (model.onnx)');
    expect(await text('model-current')).toMatch(/32-d features/);
    expect(await text('model-current')).toMatch(/native pair input/);
    expect(await page.getByTestId('strip-ep').getAttribute('data-ep')).toBe('wasm');
    expect(await encodeWidth('a tiny model')).toBe(32);
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = false)));
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot('shell-tiny-bert');
    expect(pageErrors).toEqual([]);
  });

  it('downloads a Hugging Face repository with per-file progress (hub answered by routed responses)', async () => {
    // No network here: the browser context answers huggingface.co with tiny-bert's files (CORS headers, as the hub
    // sends), the model after a pause so the per-file progress can be seen; anything else on the hub is a 404.
    const served: string[] = [];
    const files: Record<string, string> = { 'tokenizer.json': 'tokenizer.json', 'config.json': 'config.json', 'onnx/model.onnx': 'model.onnx' };
    await page.context().route('https://huggingface.co/**', async (route) => {
      const m = /^https:\/\/huggingface\.co\/test-org\/tiny-bert\/resolve\/main\/(.+)$/.exec(route.request().url());
      const file = m && files[m[1]];
      served.push(route.request().url());
      const cors = { 'access-control-allow-origin': '*', 'cross-origin-resource-policy': 'cross-origin' };
      if (!file) return route.fulfill({ status: 404, headers: cors, body: 'Entry not found' });
      if (file === 'model.onnx') await new Promise((r) => setTimeout(r, 3000));
      const body = readFileSync(`${TINY}/${file}`);
      await route.fulfill({ status: 200, headers: { ...cors, 'content-length': String(body.length) }, body });
    });
    await page.getByTestId('hub-repo').fill('https://huggingface.co/test-org/tiny-bert');
    await page.getByTestId('load-hub').click();
    // While the model file is held back, the tokenizer's row is already complete.
    await expect
      .poll(async () => page.locator('[data-testid=model-file-progress][data-file="tokenizer.json"][data-done=true]').count(), { timeout: 60_000, interval: 100 })
      .toBe(1);
    expect(await text('model-pending')).toMatch(/test-org\/tiny-bert @ main/);
    await shot('shell-hub-progress');
    await expect.poll(async () => ((await page.getByTestId('model-error').count()) ? `error: ${await text('model-error')}` : text('strip-model')), { timeout: 240_000, interval: 250 }).toBe('test-org/tiny-bert');
    await settled();
    expect(served.some((u) => u.endsWith('/onnx/model.onnx'))).toBe(true);
    expect(pageErrors).toEqual([]);

    // A repository that does not exist: a 404 with advice, and test-org/tiny-bert stays in use.
    await page.getByTestId('hub-repo').fill('test-org/no-such-model');
    await page.getByTestId('load-hub').click();
    const code = async () => ((await page.getByTestId('model-error').count()) ? page.getByTestId('model-error').getAttribute('data-code') : 'none');
    await expect.poll(code, { timeout: 60_000, interval: 250 }).toBe('not-found');
    expect(await text('model-error')).toMatch(/tokenizer\.json was not found in test-org\/no-such-model/);
    expect(await text('strip-model')).toBe('test-org/tiny-bert');
    await page.context().unrouteAll();
  });

  it('shows a lost GPU device in red with its message, and restarts WebGPU on request', async () => {
    // The device's `lost` promise is replaced by one the test resolves: the same path a driver reset takes.
    const lossPage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await lossPage.addInitScript(() => {
      const w = window as unknown as { __loseDevice?: (reason: string, message: string) => void };
      const real = GPUAdapter.prototype.requestDevice;
      GPUAdapter.prototype.requestDevice = async function (this: GPUAdapter, desc?: GPUDeviceDescriptor) {
        const device = await real.call(this, desc);
        let lose!: (info: GPUDeviceLostInfo) => void;
        const lost = new Promise<GPUDeviceLostInfo>((r) => (lose = r));
        Object.defineProperty(device, 'lost', { value: lost });
        w.__loseDevice = (reason, message) => lose({ reason, message } as unknown as GPUDeviceLostInfo);
        return device;
      };
    });
    await lossPage.goto(inject('baseUrl' as never) as string);
    const tone = lossPage.getByTestId('strip-gpu');
    await expect.poll(async () => tone.getAttribute('data-tone'), { timeout: 240_000, interval: 500 }).toMatch(/ok|warn/);
    await lossPage.evaluate(() => (window as unknown as { __loseDevice(r: string, m: string): void }).__loseDevice('unknown', 'simulated driver reset'));
    await expect.poll(async () => lossPage.getByTestId('strip-device-lost').count(), { timeout: 10_000 }).toBe(1);
    expect(await tone.getAttribute('data-tone')).toBe('bad');
    expect(await lossPage.getByTestId('strip-device-lost').textContent()).toMatch(/The GPU device was lost:.*simulated driver reset/);
    mkdirSync('test-results', { recursive: true });
    await lossPage.screenshot({ path: 'test-results/shell-device-lost.png' });
    await lossPage.getByRole('button', { name: 'Restart WebGPU' }).click();
    await expect.poll(async () => tone.getAttribute('data-tone'), { timeout: 240_000, interval: 500 }).toMatch(/ok|warn/);
    expect(await lossPage.getByTestId('strip-device-lost').count()).toBe(0);
    await lossPage.close();
  });
});
