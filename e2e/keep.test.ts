// Browser tier, trained work kept (issue 12 item 8), on the built studio with the SpamAssassin demo in headless
// Chromium: a run is saved while it trains (record + best checkpoint in IndexedDB), leaving the page asks first
// (beforeunload), and after a reload mid-run the run shows in History as "interrupted" with its best checkpoint,
// which the Use step offers and "Use this head" makes the active head; a truncated stored head is refused with a
// specific message while the active head stays; a run whose trainer worker fails is recorded as failed with its
// reason; a lowered budget evicts the weights but keeps the record. Screenshots: test-results/keep-*.png.
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser } from './browser';

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const dialogs: string[] = [];
const t0 = Date.now();
const note = (line: string) => console.info(`[e2e keep] +${((Date.now() - t0) / 1000).toFixed(1)} s ${line}`);

async function shot(name: string): Promise<void> {
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/${name}.png`, fullPage: false });
}

const status = async () => (await page.getByTestId('train-status').textContent()) ?? '';

interface Stored {
  id: string;
  stoppedBy: string;
  message: string;
  weights?: { state: string; bytes: number; of: string };
}

/** The history's records and head entries (id -> bytes stored / size recorded), read straight from IndexedDB. */
async function stored(): Promise<{ runs: Stored[]; heads: Record<string, [number, number]> }> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('labeltune-studio');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    if (!db.objectStoreNames.contains('heads')) return (db.close(), { runs: [], heads: {} });
    const tx = db.transaction(['runs', 'heads'], 'readonly');
    const all = <T,>(name: string) =>
      new Promise<T[]>((resolve, reject) => {
        const r = tx.objectStore(name).getAll();
        r.onsuccess = () => resolve(r.result as T[]);
        r.onerror = () => reject(r.error);
      });
    const runs = await all<Stored>('runs');
    const heads = await all<{ id: string; size: number; bytes: Uint8Array }>('heads');
    db.close();
    return { runs: runs.map((r) => ({ id: r.id, stoppedBy: r.stoppedBy, message: r.message, weights: r.weights })), heads: Object.fromEntries(heads.map((h) => [h.id, [h.bytes.length, h.size]])) };
  });
}

/** Click through the DOM (panels above keep growing after a load, so the layout is never "stable" for Playwright). */
async function click(selector: string): Promise<void> {
  await page.locator(selector).first().evaluate((el: HTMLElement) => el.click());
}

async function setField(field: string, value: string): Promise<void> {
  await page.getByTestId(`train-${field}`).fill(value);
}

/** A long linear-probe run on a small sample (the features come from the cache after the first run). */
async function startLongRun(): Promise<void> {
  await page.locator('[data-kind=linear] input').check();
  await setField('epochs', '400');
  await setField('batchSize', '8');
  await setField('patience', '0');
  await page.getByTestId('train-start').click();
  await expect.poll(status, { timeout: 900_000, interval: 250 }).toBe('training');
}

async function waitReady(): Promise<void> {
  await expect.poll(async () => page.getByTestId('train-start').isEnabled(), { timeout: 900_000, interval: 500 }).toBe(true);
  await page.locator('[data-testid=train-advanced] summary').click();
  await setField('tmax', '32');
  await setField('maxTrain', '80');
  await setField('maxDev', '40');
}

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on('dialog', (d) => {
    dialogs.push(d.type());
    void d.accept();
  });
  // Keep a handle on the trainer worker, so a test can make it fail the way a crashed worker script does.
  await page.addInitScript(() => {
    const w = window as unknown as { __trainWorkers: Worker[] };
    w.__trainWorkers = [];
    const Orig = window.Worker;
    window.Worker = class extends Orig {
      constructor(url: string | URL, opts?: WorkerOptions) {
        super(url, opts);
        if (opts?.name === 'labeltune-trainer') w.__trainWorkers.push(this);
      }
    };
  });
  await page.goto(inject('baseUrl' as never) as string);
});

afterAll(async () => {
  await browser?.close();
});

describe('trained work is kept', () => {
  let runId = '';

  it('saves a run while it trains; after a reload mid-run it is "interrupted" with its best checkpoint, which becomes the active head', async () => {
    await waitReady();
    note('ready to train');
    await startLongRun();
    await expect.poll(async () => page.getByTestId('best-dev-accuracy').textContent(), { timeout: 300_000, interval: 250 }).toMatch(/%/);
    // The progress save (every 5 s) holds the record and the best checkpoint's head file.
    await expect.poll(async () => (await stored()).runs.find((r) => r.stoppedBy === 'running' && r.weights?.state === 'kept')?.id ?? '', { timeout: 120_000, interval: 500 }).not.toBe('');
    const before = await stored();
    const live = before.runs.find((r) => r.stoppedBy === 'running')!;
    runId = live.id;
    expect(before.heads[runId][0]).toBe(live.weights!.bytes);
    note(`run ${runId} saved while training (${live.weights!.bytes} bytes of head)`);
    // Leaving a running page asks first: the studio's beforeunload handler cancels the event.
    expect(await page.evaluate(() => !window.dispatchEvent(new Event('beforeunload', { cancelable: true })))).toBe(true);
    await page.reload({ waitUntil: 'domcontentloaded' });
    note(`reloaded (dialogs seen: ${dialogs.join(', ') || 'none'})`);
    const row = page.locator(`[data-testid=history-row][data-run-id="${runId}"]`);
    await expect.poll(async () => row.count(), { timeout: 120_000 }).toBe(1);
    await expect.poll(async () => row.textContent(), { timeout: 60_000 }).toMatch(/interrupted/);
    expect((await stored()).runs.find((r) => r.id === runId)).toMatchObject({ stoppedBy: 'interrupted', message: expect.stringMatching(/closed or reloaded during training .* best checkpoint .* is kept/) });
    // The Use step offers it instead of "No head yet".
    await expect.poll(async () => page.getByTestId('use-last-head').getAttribute('data-run-id'), { timeout: 60_000 }).toBe(runId);
    expect(await page.getByTestId('use-empty').textContent()).not.toMatch(/No head yet/);
    await expect.poll(async () => page.getByTestId('train-start').isEnabled(), { timeout: 900_000, interval: 500 }).toBe(true);
    await click('[data-testid=use-last-head]');
    await expect.poll(async () => page.getByTestId('active-head').getAttribute('data-head-id'), { timeout: 120_000, interval: 250 }).toBe(runId);
    expect(await page.getByTestId('active-head').textContent()).toMatch(/dev accuracy \d+\.\d%/);
    await shot('keep-after-reload');
    expect(pageErrors).toEqual([]);
  }, 1_800_000);

  it('refuses a truncated stored head with a specific message; the active head and the other runs stay', async () => {
    // A copy of the run whose stored head lost its tail (written as a damaged browser profile would hold it).
    await page.evaluate(async (id) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('labeltune-studio');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const tx = db.transaction(['runs', 'heads'], 'readwrite');
      const get = <T,>(name: string) =>
        new Promise<T>((resolve) => {
          const r = tx.objectStore(name).get(id);
          r.onsuccess = () => resolve(r.result as T);
        });
      const rec = await get<Record<string, unknown>>('runs');
      const head = await get<{ size: number; bytes: Uint8Array }>('heads');
      tx.objectStore('runs').put({ ...rec, id: 'e2e-truncated', createdAt: '2025-01-01T00:00:00.000Z' });
      tx.objectStore('heads').put({ id: 'e2e-truncated', size: head.size, bytes: head.bytes.slice(0, 100) });
      await new Promise((resolve, reject) => {
        tx.oncomplete = resolve;
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    }, runId);
    await click('[data-testid=history-budget-set]'); // re-reads the history (the budget is unchanged)
    const row = page.locator('[data-testid=history-row][data-run-id="e2e-truncated"]');
    await expect.poll(async () => row.count(), { timeout: 60_000 }).toBe(1);
    await click('[data-run-id="e2e-truncated"] [data-testid=history-use]');
    await expect.poll(async () => (await page.getByTestId('history-use-error').count()) ? await page.getByTestId('history-use-error').textContent() : '', { timeout: 60_000, interval: 250 }).toMatch(
      /the stored head of run "e2e-truncated" is truncated \(100 of [\d,]+ bytes\)\. The current head is unchanged/,
    );
    expect(await page.getByTestId('active-head').getAttribute('data-head-id')).toBe(runId);
    const s = await stored();
    expect(s.runs.map((r) => r.id)).toEqual(expect.arrayContaining([runId, 'e2e-truncated']));
    expect(s.heads[runId][0]).toBe(s.heads[runId][1]);
  }, 300_000);

  it('records a run whose trainer worker fails, with its reason', async () => {
    const known = new Set((await stored()).runs.map((r) => r.id));
    note(`status before the second run: ${await status()}`);
    await waitReady(); // the reload reset the form: the same small sample again
    await startLongRun();
    await expect.poll(async () => page.getByTestId('live-step').textContent(), { timeout: 120_000, interval: 100 }).toMatch(/[1-9]/);
    await page.evaluate(() => {
      const w = (window as unknown as { __trainWorkers: Worker[] }).__trainWorkers.at(-1)!;
      w.dispatchEvent(new ErrorEvent('error', { message: 'e2e: the trainer script threw' }));
    });
    await expect.poll(status, { timeout: 60_000, interval: 100 }).toBe('error');
    expect(await page.getByTestId('train-error').textContent()).toMatch(/Training failed: The trainer worker failed: e2e: the trainer script threw/);
    await expect.poll(async () => (await stored()).runs.find((r) => !known.has(r.id))?.stoppedBy ?? '', { timeout: 60_000, interval: 250 }).toBe('failed');
    const failed = (await stored()).runs.find((r) => !known.has(r.id))!;
    expect(failed.message).toMatch(/The trainer worker failed: e2e: the trainer script threw/);
    const row = page.locator(`[data-testid=history-row][data-run-id="${failed.id}"]`);
    await expect.poll(async () => row.textContent(), { timeout: 60_000 }).toMatch(/failed/);
    await shot('keep-failed');
  }, 600_000);

  it('shows the heads kept against the budget; a budget of 0 evicts every head file but keeps the records', async () => {
    const usage = page.getByTestId('history-usage');
    expect(Number(await usage.getAttribute('data-used'))).toBeGreaterThan(0);
    expect(await usage.textContent()).toMatch(/Heads kept: .+ of 256\.0 MB/);
    await page.getByTestId('history-budget-input').fill('0');
    await click('[data-testid=history-budget-set]');
    await expect.poll(async () => usage.getAttribute('data-used'), { timeout: 60_000, interval: 250 }).toBe('0');
    const s = await stored();
    expect(Object.keys(s.heads)).toEqual([]);
    expect(s.runs.find((r) => r.id === runId)?.weights).toMatchObject({ state: 'evicted' });
    await expect.poll(async () => page.locator(`[data-run-id="${runId}"] [data-testid=history-evicted]`).count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('history-keep-notice').textContent()).toMatch(/weights of the \d+ oldest runs were evicted/);
    await page.getByTestId('history-panel').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await shot('keep-budget');
  }, 300_000);
});
