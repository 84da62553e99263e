// Browser tier: the built studio in headless Chromium with WebGPU. The page must find a real adapter and every
// kernel self-check must pass against the float64 references on it; a missing adapter fails the test.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, recordPageErrors } from './browser';

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  recordPageErrors(page, pageErrors);
  await page.goto(inject('baseUrl' as never) as string);
});

afterAll(async () => {
  await browser?.close();
});

describe('studio in headless Chromium', () => {
  it('says what it is', async () => {
    await expect(page.locator('h1').textContent()).resolves.toBe('LabelTune Studio');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  });

  it('finds a WebGPU adapter and passes every kernel self-check on it', async () => {
    const status = page.getByTestId('engine-status');
    await expect
      .poll(async () => status.textContent(), { timeout: 240_000, interval: 500 })
      .toMatch(/passed|failed|unavailable/);
    const text = await status.textContent();
    const error = (await page.getByTestId('engine-error').count()) ? await page.getByTestId('engine-error').textContent() : '';
    expect(text, `engine error: ${error}`).toBe('passed');
    const rows = await page.locator('[data-testid=checks] tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=checks] tr[data-ok=false]').count()).toBe(0);
    const adapter = await page.getByTestId('adapter').textContent();
    console.info(`[e2e] adapter: ${adapter?.slice(0, 200)}`);
    expect(pageErrors).toEqual([]);
  });
});
