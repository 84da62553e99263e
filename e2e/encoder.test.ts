// Browser tier, encoder: the built studio loads the embedded USE-lite model in its encoder worker with
// onnxruntime-web, on the EP that "auto" picks for this adapter (wasm on SwiftShader's fallback adapter), and on
// WebGPU when asked; the pooled vector of a sentence matches onnxruntime-node's run of the same model in this
// Node process; a repeat of the text is served from the OPFS feature cache, also after a reload.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { Encoder } from '../src/encoder/encoder';
import { loadDefaultModelFromDisk } from '../src/encoder/sources-node';
import { launchBrowser, recordPageErrors } from './browser';

const TEXT = 'A gorgeous, witty, seductive movie.';
const TEXT2 = 'The WebGPU execution provider.';
let browser: Browser;
let page: Page;
let expected: Float32Array;
let expected2: Float32Array;
const pageErrors: string[] = [];

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

async function waitStatus(want: RegExp, timeout = 240_000): Promise<string> {
  const status = page.getByTestId('encoder-status');
  await expect.poll(async () => status.textContent(), { timeout, interval: 250 }).toMatch(want);
  return (await status.textContent()) ?? '';
}

async function encodeInPage(text = TEXT): Promise<{ pooled: number[]; cached: boolean }> {
  // The try box sits in the folded "Encoder details" at the bottom of the studio.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
  await page.getByTestId('try-text').fill(text);
  await page.getByTestId('try-encode').click();
  await expect.poll(async () => (await page.getByTestId('try-result').count()) > 0 && (await waitStatus(/ready|error/)) === 'ready', { timeout: 240_000 }).toBe(true);
  const result = page.getByTestId('try-result');
  return { pooled: JSON.parse((await result.getAttribute('data-pooled'))!), cached: (await result.getAttribute('data-cached')) === 'true' };
}

beforeAll(async () => {
  const enc = await Encoder.load(await loadDefaultModelFromDisk(), { runtime: 'node', epPolicy: 'auto' });
  [{ pooled: expected }, { pooled: expected2 }] = await enc.encode([{ text: TEXT }, { text: TEXT2 }]);
  await enc.dispose();
  browser = await launchBrowser();
  page = await browser.newPage();
  recordPageErrors(page, pageErrors);
  await page.goto(inject('baseUrl' as never) as string);
  // A clean feature cache for this run.
  await page.evaluate(async () => {
    const root = await navigator.storage.getDirectory();
    for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) await root.removeEntry(name, { recursive: true });
  });
  await page.reload();
});

afterAll(async () => {
  await browser?.close();
});

describe('encoder in headless Chromium', () => {
  it('loads USE-lite on the EP auto picks for a fallback adapter (wasm) and matches onnxruntime-node', async () => {
    expect(await waitStatus(/ready|error/)).toBe('ready');
    expect(await page.getByTestId('encoder-ep').getAttribute('data-ep')).toBe('wasm');
    const first = await encodeInPage();
    expect(first.cached).toBe(false);
    expect(first.pooled.length).toBe(512);
    expect(cosine(first.pooled, expected)).toBeGreaterThan(0.99999);
    const again = await encodeInPage();
    expect(again.cached).toBe(true);
    expect(cosine(again.pooled, expected)).toBeGreaterThan(0.9999); // float16 in the cache
  });

  it('keeps the feature cache across a reload (OPFS)', async () => {
    await page.reload();
    expect(await waitStatus(/ready|error/)).toBe('ready');
    const r = await encodeInPage();
    expect(r.cached).toBe(true);
    expect(await page.getByTestId('cache-stats').textContent()).toMatch(/1 hits/);
  });

  it('runs on the WebGPU EP when asked, and says so', async () => {
    await page.getByTestId('ep-policy').selectOption('webgpu');
    // The new EP loads in a fresh worker while the old one stays in use: wait for the switch (or a load error).
    await expect
      .poll(async () => ((await page.getByTestId('model-error').count()) ? await page.getByTestId('model-error').textContent() : await page.getByTestId('encoder-ep').getAttribute('data-ep')), { timeout: 240_000, interval: 250 })
      .toBe('webgpu');
    expect(await waitStatus(/ready|error/)).toBe('ready');
    // A new text so the cache cannot answer; WebGPU on SwiftShader is slow but one sentence is fine.
    const r = await encodeInPage(TEXT2);
    expect(r.cached).toBe(false);
    expect(cosine(r.pooled, expected2)).toBeGreaterThan(0.9999);
    expect(pageErrors).toEqual([]);
  });
});
