// Browser tier, the data panel: the SpamAssassin demo is the dataset at page start; real drop events (a File
// built from the bytes of a ../shared/data file, dispatched as dragenter/dragover/drop) load RTE (pairs), TREC
// (`LABEL text` lines) with its test file as a dev file, and SST-2's 3.8 MB train file with a progress bar;
// columns are chosen in the selects; the label chart draws; and every bad input — empty, binary, no label
// column, thousands of labels, one class, unseen dev labels — shows its own message while the dataset in use
// stays, and rows with a missing text are reported with their line numbers. Screenshots: test-results/data-*.png.
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from './browser';

const DATA = fileURLToPath(new URL('../../shared/data/', import.meta.url));
const SHOTS = fileURLToPath(new URL('../test-results/', import.meta.url));

let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

function shared(rel: string): Buffer {
  try {
    return readFileSync(DATA + rel);
  } catch {
    throw new Error(`${DATA + rel} is missing: the browser tier needs the benchmark sets in ../shared/data (see its README.md).`);
  }
}

/** A real drop: a File made from `bytes` in the page, dragged onto the element with data-testid `target`. */
async function drop(target: string, bytes: Uint8Array | string, name: string, type = 'text/plain'): Promise<void> {
  const b64 = Buffer.from(bytes).toString('base64');
  await page.evaluate(
    ({ target, b64, name, type }) => {
      const raw = atob(b64);
      const data = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) data[i] = raw.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type }));
      const el = document.querySelector(`[data-testid="${target}"]`);
      if (!el) throw new Error(`no drop target ${target}`);
      for (const kind of ['dragenter', 'dragover', 'drop']) el.dispatchEvent(new DragEvent(kind, { bubbles: true, cancelable: true, dataTransfer: dt }));
    },
    { target, b64, name, type },
  );
}

const text = (id: string) => page.getByTestId(id).textContent();
const current = () => text('data-current');

async function counts(): Promise<{ train: number; dev: number; labels: number; skipped: number }> {
  const n = async (id: string) => Number((await text(id))?.replace(/,/g, ''));
  return { train: await n('data-count-train'), dev: await n('data-count-dev'), labels: await n('data-count-labels'), skipped: await n('data-count-skipped') };
}

async function waitFor(fn: () => Promise<unknown>, what: string, timeout = 30_000): Promise<void> {
  await expect.poll(fn, { timeout, interval: 100, message: what }).toBeTruthy();
}

/** Waits for the data problem banner with `code`; returns its message. */
async function problem(code: string): Promise<string> {
  await waitFor(async () => (await page.locator(`[data-testid=data-error][data-code="${code}"]`).count()) > 0, `data-error ${code}`);
  return (await text('data-error-message')) ?? '';
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: false });
}

/** The data panel as a full-page clip (so the shell's sticky status strip, at the page top, stays out of it). */
async function panelShot(name: string): Promise<void> {
  const box = await page.getByTestId('data-panel').evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height };
  });
  const pad = 12;
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true, clip: { x: box.x - pad, y: box.y - pad, width: box.width + 2 * pad, height: box.height + 2 * pad } });
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  await page.goto(inject('baseUrl' as never) as string);
});

afterAll(async () => {
  await browser?.close();
});

describe('data panel in headless Chromium', () => {
  it('has the SpamAssassin demo loaded at start (600 train + 200 dev, ham/spam)', async () => {
    await waitFor(async () => (await page.getByTestId('data-current').count()) > 0, 'demo dataset', 120_000);
    expect(await current()).toBe('SpamAssassin demo (800 of 6,046 messages)');
    expect(await page.getByTestId('data-demo-badge').textContent()).toBe('demo');
    expect(await counts()).toEqual({ train: 600, dev: 200, labels: 2, skipped: 0 });
    expect(await page.locator('[data-testid=label-chart] .recharts-bar-rectangle').count()).toBe(4); // 2 labels x train/dev
    expect(await page.getByTestId('data-format').getAttribute('data-format')).toBe('jsonl');
    expect(await page.locator('[data-testid=data-preview] tbody tr').count()).toBe(8);
    await panelShot('data-demo');
  });

  it('the full demo corpus is one click away, and back', async () => {
    await page.getByTestId('demo-size-full').click();
    await waitFor(async () => (await current())?.includes('all 6,046'), 'full demo');
    expect(await counts()).toMatchObject({ train: 5441, dev: 605 });
    await page.getByTestId('demo-size-small').click();
    await waitFor(async () => (await counts()).train === 600, 'small demo again');
  });

  it('a dropped RTE dev.tsv is a sentence-pair task; the columns can be changed', async () => {
    await drop('drop-train', shared('rte/dev.tsv'), 'dev.tsv');
    await waitFor(async () => (await current()) === 'dev.tsv', 'rte loaded');
    const fmt = page.getByTestId('data-format');
    expect(await fmt.getAttribute('data-format')).toBe('tsv');
    expect(await fmt.getAttribute('data-header')).toBe('true');
    // "why?" is a button: reachable with the keyboard, it opens the detection notes (no hover-only title).
    await page.getByTestId('data-format-why').focus();
    await page.keyboard.press('Enter');
    await waitFor(async () => (await page.getByTestId('data-format-notes').count()) === 1, 'format notes open');
    expect(((await text('data-format-notes')) ?? '').length).toBeGreaterThan(10);
    await page.keyboard.press('Enter');
    await waitFor(async () => (await page.getByTestId('data-format-notes').count()) === 0, 'format notes closed');
    expect(await page.getByTestId('col-text').inputValue()).toBe('sentence1');
    expect(await page.getByTestId('col-pair').inputValue()).toBe('sentence2');
    expect(await page.getByTestId('col-label').inputValue()).toBe('label');
    expect(await counts()).toEqual({ train: 249, dev: 28, labels: 2, skipped: 0 });
    expect(await page.locator('[data-testid=data-preview] th[data-role=pair]').textContent()).toContain('sentence2');
    await panelShot('data-pairs');

    // Single text: no second column.
    await page.getByTestId('col-pair').selectOption('');
    await waitFor(async () => (await page.locator('[data-testid=data-preview] th[data-role=pair]').count()) === 0, 'pair column cleared');
    expect(await page.getByTestId('data-pair-badge').count()).toBe(0);
    // The dev split: 20%, another seed.
    await page.getByTestId('split-fraction').fill('20');
    await waitFor(async () => (await counts()).dev === 55, 'dev 20%');
    await page.getByTestId('col-pair').selectOption('sentence2');
    await waitFor(async () => (await page.getByTestId('data-pair-badge').count()) === 1, 'pair again');
    expect(await page.getByTestId('draft-in-use').getAttribute('data-in-use')).toBe('true');
  });

  it('TREC `LABEL text` lines, then its test file as the dev file; unseen dev labels are refused', async () => {
    await drop('drop-train', shared('trec/train.txt'), 'train.txt');
    await waitFor(async () => (await current()) === 'train.txt', 'trec loaded');
    expect(await page.getByTestId('data-format').getAttribute('data-format')).toBe('label-text');
    expect(await page.getByTestId('col-label').inputValue()).toBe('label');
    expect(await page.getByTestId('col-text').inputValue()).toBe('text');
    expect(await counts()).toMatchObject({ train: 4907, dev: 545, labels: 6 });
    expect(await page.getByTestId('label-chart').getAttribute('data-bars')).toBe('6');

    await drop('drop-dev', shared('trec/test.txt'), 'test.txt');
    await waitFor(async () => (await current()) === 'train.txt + test.txt', 'dev file');
    expect(await counts()).toMatchObject({ train: 5452, dev: 500, labels: 6 });
    expect(await page.getByTestId('split-file').isChecked()).toBe(true);
    await panelShot('data-trec-dev');

    await drop('drop-dev', '0 What is a kiwi ?\n9 Where is Paris ?\n9 Who won ?\n', 'bad-dev.txt');
    const msg = await problem('unseen-label');
    expect(msg).toMatch(/^Dev file 'bad-dev.txt': The dev set has a label the training set never has: '9' \(2 rows, lines 2, 3\)/);
    expect(await current()).toBe('train.txt + test.txt');
    expect(await counts()).toMatchObject({ train: 5452, dev: 500 });
    expect(await text('data-error-kept')).toContain('train.txt + test.txt');
    // The refused dev file is not kept: the dev file in use is still test.txt.
    expect(await page.getByTestId('dev-file').textContent()).toContain('test.txt');
    expect(await page.getByTestId('draft-in-use').getAttribute('data-in-use')).toBe('true');
    await panelShot('data-error-unseen');
  });

  it('each bad training file shows its own message and the dataset in use stays', async () => {
    const before = await counts();
    const name = await current();
    const stays = async () => {
      expect(await current()).toBe(name);
      expect(await counts()).toEqual(before);
    };

    await drop('drop-train', new Uint8Array(0), 'empty.csv');
    expect(await problem('empty-file')).toMatch(/'empty.csv' is empty/);
    await stays();

    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 1, 2, 3]);
    await drop('drop-train', png, 'photo.csv');
    expect(await problem('binary-file')).toMatch(/'photo.csv' is not a text file: .*PNG image/);
    await stays();
    // The preview shows the file in use, not the rejected one (nor an earlier rejected one).
    const inUseFile = await page.getByTestId('data-draft').getAttribute('data-file');
    expect(['empty.csv', 'photo.csv']).not.toContain(inUseFile);
    expect(await page.getByTestId('draft-in-use').getAttribute('data-in-use')).toBe('true');

    const noLabel = 'title,body\n' + Array.from({ length: 60 }, (_, i) => `A headline number ${i} here,Some longer body text that is different in row ${i}`).join('\n');
    await drop('drop-train', noLabel, 'no-label.csv');
    expect(await problem('no-label-column')).toMatch(/^No column looks like labels/);
    await stays();

    const ids = 'text,label\n' + Array.from({ length: 3000 }, (_, i) => `message body number ${i},ticket-${i}`).join('\n');
    await drop('drop-train', ids, 'tickets.csv');
    await problem('no-label-column');
    await page.getByTestId('col-label').selectOption('label');
    expect(await problem('too-many-labels')).toMatch(/^The label column 'label' has 3,000 distinct values in 3,000 rows/);
    await stays();
    expect(await page.getByTestId('draft-in-use').getAttribute('data-in-use')).toBe('false');
    await panelShot('data-error-labels');

    const one = 'text,label\n' + Array.from({ length: 20 }, (_, i) => `buy cheap pills now ${i},spam`).join('\n');
    await drop('drop-train', one, 'one-class.csv');
    expect(await problem('one-class')).toMatch(/^Every one of the 20 examples has the label 'spam'/);
    await stays();

    // One data row is too few, said as such (not as "every one of the 1 examples"); the file in use comes back.
    await drop('drop-train', 'text,label\nonly one row here,spam\n', 'one-row.csv');
    expect(await problem('too-few-examples')).toMatch(/^'one-row.csv' was not loaded: The file has only one data row/);
    await stays();
    expect(await page.getByTestId('data-draft').getAttribute('data-file')).toBe(inUseFile);
    expect(await page.getByTestId('draft-in-use').getAttribute('data-in-use')).toBe('true');

    await page.getByTestId('data-error-dismiss').click();
    expect(await page.getByTestId('data-error').count()).toBe(0);
  });

  it('rows with a missing text are skipped and listed with their line numbers', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => (i === 3 || i === 10 ? `,${i % 2 ? 'pos' : 'neg'}` : `review text number ${i},${i % 2 ? 'pos' : 'neg'}`));
    await drop('drop-train', 'text,label\n' + rows.join('\n'), 'holes.csv');
    await waitFor(async () => (await current()) === 'holes.csv', 'holes loaded');
    expect(await counts()).toEqual({ train: 34, dev: 4, labels: 2, skipped: 2 });
    const item = page.locator('[data-testid=skipped-rows] li[data-code=empty-text]');
    expect(await item.getAttribute('data-lines')).toBe('5,12');
    expect(await item.textContent()).toMatch(/2 rows: an empty text, skipped \(lines 5, 12\)/);
    expect(await page.locator('[data-testid=data-preview] .dp-empty').count()).toBeGreaterThan(0);
    await panelShot('data-skipped');
  });

  it('SST-2 train (3.8 MB) parses in the worker with a progress bar', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __stages: string[] };
      w.__stages = [];
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid=parse-progress]');
        const s = el?.getAttribute('data-stage');
        if (s && w.__stages.at(-1) !== s) w.__stages.push(s);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await drop('drop-train', shared('sst2/train.tsv'), 'train.tsv');
    await waitFor(async () => (await current()) === 'train.tsv', 'sst2 loaded', 60_000);
    expect(await counts()).toEqual({ train: 60614, dev: 6735, labels: 2, skipped: 0 });
    const stages = await page.evaluate(() => (window as unknown as { __stages: string[] }).__stages);
    expect(stages).toContain('parsing');
    expect(await page.getByTestId('parse-progress').count()).toBe(0);
  });

  it('pasted text loads like a file, and the demo comes back', async () => {
    await page.locator('.dp-paste summary').click();
    await page.getByTestId('paste-text').fill('POS what a lovely day\nNEG this is awful\nPOS great stuff\nNEG terrible film\nPOS loved it\nNEG hated it\n');
    await page.getByTestId('paste-apply').click();
    await waitFor(async () => (await current()) === 'pasted text', 'pasted');
    expect(await counts()).toMatchObject({ train: 5, dev: 1, labels: 2 });
    await page.getByTestId('demo-reload').click();
    await waitFor(async () => (await current())?.startsWith('SpamAssassin demo'), 'demo back');
    expect(await counts()).toEqual({ train: 600, dev: 200, labels: 2, skipped: 0 });
    await page.getByTestId('data-panel').evaluate((el) => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 80));
    await shot('data-page');
    // The chart is drawn at its box's width, not shrunk.
    const [svgWidth, boxWidth] = await page.getByTestId('label-chart').evaluate((el) => [
      Math.max(...[...el.querySelectorAll('svg')].map((s) => s.getBoundingClientRect().width)),
      el.getBoundingClientRect().width,
    ]);
    expect(svgWidth).toBeGreaterThan(0.9 * boxWidth);
    expect(pageErrors).toEqual([]);
  });
});
