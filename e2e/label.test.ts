// Browser tier, the Label step (active labelling) on the built studio in headless Chromium: texts pasted with
// two of them already labelled, the loop driven by the keyboard (1-9 label, s skip, u undo) and by a button, the
// labels surviving a reload (IndexedDB), the labelled rows exported as CSV, and the head exported as a `linear`
// head file that the Use step imports; then a fresh session ranked zero-shot by label texts; then 40 SST-2 dev
// texts labelled by the keyboard (retrain every 4) with a random dev row every 2 rows asked, until the learning curve shows a dev
// score (a dev label undone on the way), and the exported head's metrics are those dev metrics. Screenshots:
// test-results/label-*.png.
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Papa from 'papaparse';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, recordPageErrors } from './browser';

const SHOTS = resolve(process.cwd(), 'test-results');
// SST-2 dev rows (the shared benchmark data): text -> 0 (negative) / 1 (positive).
const SST2 = readFileSync(resolve(process.cwd(), '../shared/data/sst2/dev.tsv'), 'utf8')
  .split('\n')
  .slice(1, 41)
  .map((l) => l.split('\t'))
  .map(([t, y]) => ({ text: t.trim(), label: Number(y) }));
const TEXTS = [
  'pos\ta wonderful , moving film',
  'neg\ta dull and lifeless mess',
  'an utterly charming comedy',
  'the worst movie of the year',
  'great acting and a clever script',
  'boring , predictable and far too long',
  'i loved every minute of it',
  'a tedious waste of time',
  'funny , warm and beautifully shot',
  'the plot makes no sense at all',
];

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const text = (id: string) => page.getByTestId(id).textContent();
const labelled = async () => Number(/(\d+)/.exec((await text('label-progress')) ?? '')?.[1] ?? NaN);
const current = () => text('label-current-text');
/** Click an export button and wait for its download; an export error on the page fails at once with its text. */
async function download(testId: string) {
  const got = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByTestId(testId).click();
  const failed = expect
    .poll(async () => page.getByTestId('label-export-error').count(), { timeout: 120_000, interval: 250 })
    .toBe(1)
    .then(
      async () => {
        throw new Error(`export failed on the page: ${await text('label-export-error')}`);
      },
      () => new Promise<never>(() => {}), // no error shown: the download decides
    );
  return Promise.race([got, failed]);
}

async function openPage(): Promise<void> {
  await page.goto(inject('baseUrl' as never) as string);
  await expect.poll(async () => text('encoder-status'), { timeout: 240_000, interval: 500 }).toMatch(/ready|error/);
  expect(await text('encoder-status')).toBe('ready');
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
  page = await browser.newPage({ acceptDownloads: true });
  // A slow disk: every IndexedDB transaction of the page reports its commit 150 ms late (CI's disks are slower
  // than this box's), so a label's save is still pending when the next key arrives.
  await page.addInitScript(() => {
    const d = Object.getOwnPropertyDescriptor(IDBTransaction.prototype, 'oncomplete')!;
    Object.defineProperty(IDBTransaction.prototype, 'oncomplete', {
      configurable: true,
      get() {
        return d.get!.call(this);
      },
      set(fn: ((e: Event) => void) | null) {
        d.set!.call(this, fn && ((e: Event) => void setTimeout(() => fn.call(this, e), 150)));
      },
    });
  });
  recordPageErrors(page, pageErrors);
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

describe('Label step in headless Chromium', () => {
  it('a bad start names the problem and keeps the form', async () => {
    await openPage();
    await page.getByTestId('label-texts').fill('maybe\tsome text\nanother text');
    await page.getByTestId('label-names').fill('pos, neg');
    await page.getByTestId('label-start-button').click();
    await expect.poll(async () => text('label-error')).toMatch(/line 1 starts with "maybe" and a tab, but that is not one of the labels \(pos, neg\)/);
    expect(await page.getByTestId('label-texts').inputValue()).toBe('maybe\tsome text\nanother text');
  });

  it('starts a session from texts with two labelled rows and asks about an unlabelled one', async () => {
    await page.getByTestId('label-texts').fill(TEXTS.join('\n'));
    await page.getByTestId('label-every').fill('2');
    await page.getByTestId('label-start-button').click();
    await expect.poll(async () => page.getByTestId('label-card').count(), { timeout: 120_000, interval: 300 }).toBe(1);
    expect(await labelled()).toBe(2);
    // Two classes are labelled already: the probe ranks the rows, and shows its probabilities on the buttons.
    expect(await text('label-progress')).toMatch(/ranked by the probe \(margin\)/);
    expect(await text('label-button-1')).toMatch(/1\s*pos\s*\d+%/);
    const first = await current();
    expect(TEXTS.slice(2)).toContain(first);
  });

  it('keys: 1 and 2 label (pressed back to back), s skips, u undoes (the skipped row comes back); a button labels too', async () => {
    const a = await current();
    // Two keys at once: the second answers the next row, never `a` again (the card and the count change together).
    await page.keyboard.press('1');
    await page.keyboard.press('2');
    await expect.poll(labelled).toBe(4);
    const b = await current();
    expect(b).not.toBe(a);
    const c = b;
    await page.keyboard.press('s');
    await expect.poll(async () => text('label-progress')).toMatch(/1 skipped/);
    expect(await current()).not.toBe(c);
    await page.keyboard.press('u');
    await expect.poll(async () => text('label-progress')).toMatch(/0 skipped/);
    expect(await current()).toBe(c);
    await page.getByTestId('label-button-2').click();
    await expect.poll(labelled).toBe(5);
    // No dev score yet: the curve says why instead of showing a number (1 in 5 rows asked is a dev row).
    expect(await text('label-dev-why')).toMatch(/No dev score yet: 0 of 10 dev rows labelled \(1 in every 5 rows asked is a random dev row, never trained on\)/);
    expect(Number(await page.getByTestId('label-curve').getAttribute('data-points'))).toBe(0);
    await page.screenshot({ path: resolve(SHOTS, 'label-loop.png'), fullPage: true });
  });

  it('a reload loses no label', async () => {
    // The page says when the last label is written (IndexedDB is slow here on purpose); reload after that.
    await expect.poll(async () => page.getByTestId('label-saving').count()).toBe(0);
    const before = await text('label-progress');
    await openPage();
    await expect.poll(async () => page.getByTestId('label-card').count(), { timeout: 120_000, interval: 300 }).toBe(1);
    expect(await labelled()).toBe(5);
    expect((await text('label-progress'))?.replace(/ · retraining…/, '')).toBe(before?.replace(/ · retraining…/, ''));
    // The probe is retrained on all 5 labels at once (before the reload the last retrain had 4), so the row asked
    // may differ; it is never a labelled one.
    const csv = await Promise.all([page.waitForEvent('download'), page.getByTestId('label-export-csv').click()]).then(([d]) => d.path());
    const done = Papa.parse<{ text: string }>(readFileSync(csv!, 'utf8'), { header: true, skipEmptyLines: true }).data.map((r) => r.text);
    expect(done).toHaveLength(5);
    expect(done).not.toContain(await current());
  });

  it('exports the labelled rows as CSV and the head as a linear head file the Use step imports', async () => {
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('label-export-csv').click()]);
    expect(csv.suggestedFilename()).toBe('labelled.csv');
    const rows = Papa.parse<{ text: string; label: string }>(readFileSync((await csv.path())!, 'utf8'), { header: true, skipEmptyLines: true }).data;
    expect(rows).toHaveLength(5);
    expect(rows.slice(0, 2)).toEqual([
      { text: 'a wonderful , moving film', label: 'pos' },
      { text: 'a dull and lifeless mess', label: 'neg' },
    ]);
    for (const r of rows) expect(['pos', 'neg']).toContain(r.label);
    const head = await download('label-export-head');
    expect(head.suggestedFilename()).toBe('labelled-head.safetensors');
    const bytes = readFileSync((await head.path())!);
    const n = Number(bytes.readBigUInt64LE(0));
    const json = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(json.__metadata__).toMatchObject({ format: 'labeltune-head', kind: 'linear', labels: JSON.stringify(['pos', 'neg']) });
    expect(json['param.W'].shape).toEqual([512, 2]);
    await page.getByTestId('import-drop-input').setInputFiles({ name: 'labelled-head.safetensors', mimeType: 'application/octet-stream', buffer: bytes });
    await expect.poll(async () => page.getByTestId('active-head').getAttribute('data-head-id'), { timeout: 60_000 }).toBe('imported:labelled-head.safetensors');
  });

  it('discard, then a zero-shot start from label texts: rows ranked by the label texts before any label', async () => {
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('label-discard').click();
    await expect.poll(async () => page.getByTestId('label-start').count()).toBe(1);
    await page.getByTestId('label-texts').fill(TEXTS.slice(2).join('\n'));
    await page.getByTestId('label-names').fill('pos, neg');
    await page.getByTestId('label-label-texts').fill('This review is positive.\nThis review is negative.');
    await page.getByTestId('label-start-button').click();
    await expect.poll(async () => page.getByTestId('label-card').count(), { timeout: 120_000, interval: 300 }).toBe(1);
    expect(await labelled()).toBe(0);
    expect(await text('label-progress')).toMatch(/ranked by the label texts \(zero-shot\)/);
    expect(await text('label-button-2')).toMatch(/2\s*neg\s*\d+%/);
    await page.keyboard.press('2');
    await expect.poll(labelled).toBe(1);
    expect(pageErrors).toEqual([]);
  });

  it('a random dev row every 2 asked: no dev score below 10 dev rows, then a dev accuracy with its interval; undo takes a dev label back; the head exports those dev metrics', async () => {
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('label-discard').click();
    await expect.poll(async () => page.getByTestId('label-start').count()).toBe(1);
    await page.getByTestId('label-texts').fill(SST2.map((r) => r.text).join('\n'));
    await page.getByTestId('label-names').fill('neg, pos');
    await page.getByTestId('label-label-texts').fill('');
    await page.getByTestId('label-every').fill('4');
    await page.getByTestId('label-audit').fill('2');
    await page.getByTestId('label-start-button').click();
    const truth = new Map(SST2.map((r) => [r.text, r.label]));
    const devCount = async () => Number(await text('label-dev-count'));
    let undone = false;
    for (let n = 0; n < 24; n++) {
      await expect.poll(async () => page.getByTestId('label-card').count(), { timeout: 120_000, interval: 200 }).toBe(1);
      const isDev = (await page.getByTestId('label-dev-row').count()) === 1;
      expect(isDev).toBe(n % 2 === 1); // every 2nd row asked is a dev row
      const y = truth.get((await current()) ?? '');
      expect(y).toBeDefined();
      const [before, devBefore] = [await labelled(), await devCount()];
      await page.keyboard.press(String(y! + 1));
      await expect.poll(labelled).toBe(before + 1);
      if (isDev) expect(await devCount()).toBe(devBefore + 1);
      if (isDev && !undone) {
        undone = true;
        await expect.poll(async () => (await page.getByTestId('label-card').count()) === 1 && (await page.getByTestId('label-dev-row').count()) === 0, { timeout: 120_000 }).toBe(true); // a training row now
        await page.keyboard.press('u');
        await expect.poll(devCount).toBe(devBefore);
        expect(await labelled()).toBe(before);
        expect(await page.getByTestId('label-dev-row').count()).toBe(1); // asked again, as a dev row
        await page.keyboard.press(String(y! + 1));
        await expect.poll(devCount).toBe(devBefore + 1);
      }
      if (n === 10) await expect.poll(async () => text('label-dev-why')).toMatch(/No dev score yet: 5 of 10 dev rows labelled/);
    }
    expect(await devCount()).toBe(12);
    // The curve is re-scored after each label (new checkpoints fitted in tasks of their own): wait for the latest.
    await expect.poll(async () => (await page.getByTestId('label-dev-score').count()) && text('label-dev-score'), { timeout: 60_000 }).toMatch(/n=12 dev rows, 12 training labels/);
    const score = (await text('label-dev-score')) ?? '';
    expect(score).toMatch(/dev accuracy \d+(\.\d)?% \(95% interval \d+(\.\d)?–\d+(\.\d)?%\), macro-F1 \d+(\.\d)?, n=12 dev rows, 12 training labels/);
    expect(Number(await page.getByTestId('label-curve').getAttribute('data-points'))).toBeGreaterThan(1);
    await page.screenshot({ path: resolve(SHOTS, 'label-dev-curve.png'), fullPage: true });
    const head = await download('label-export-head');
    const bytes = readFileSync((await head.path())!);
    const meta = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')).__metadata__;
    const metrics = JSON.parse(meta.metrics);
    expect(metrics).toMatchObject({ n: 12, source: 'dev: audit rows drawn at random from the texts, never trained on' });
    expect(score).toContain(`dev accuracy ${+(metrics.accuracy * 100).toFixed(1)}%`);
    expect(JSON.parse(meta.training)).toMatchObject({ labelled: 12, dev: 12, audit_every: 2 });
    expect(pageErrors).toEqual([]);
  });
});
