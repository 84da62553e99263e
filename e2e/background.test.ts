// Browser tier: training keeps going in a background tab. The studio trains in its trainer Web Worker; a page that
// is hidden (another tab brought to the front of its window) has its timers throttled, a worker does not. The
// check drives headless Chromium over a bare DevTools pipe (e2e/cdp-pipe.ts: Playwright's focus emulation keeps
// every page 'visible'), starts a linear run on a small sample of the demo, reads the live step counter while
// the page is visible, then hides the page and asserts — with document.visibilityState read inside the page at
// the start and the end of the hidden window — that the steps kept advancing. The steps/s of both windows go to
// test-results/background-e2e.log (reported, not asserted: timed tests are forbidden). Then (issue 11, UX 2) a new
// dataset takes the finished run off the Train step: the badge goes back to idle and the button says "Train".
import { appendFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CdpBrowser } from './cdp-pipe';

let browser: CdpBrowser;
let tab: { targetId: string; session: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function note(line: string): void {
  console.info(`[e2e] ${line}`);
  mkdirSync('test-results', { recursive: true });
  appendFileSync('test-results/background-e2e.log', `${new Date().toISOString()} ${line}\n`);
}

const js = <T>(expression: string) => browser.evaluate<T>(tab.session, expression);
const visibility = () => js<string>('document.visibilityState');
const testid = (id: string) => `document.querySelector('[data-testid=${id}]')`;
const status = () => js<string>(`${testid('train-status')}?.textContent ?? ''`);
const step = () => js<number>(`Number(${testid('live-step')}?.textContent ?? 'NaN')`);

/** Poll `fn` until `ok` holds (or fail after `ms`, naming `what` and the last value). */
async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v)) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(v)})`);
    await sleep(250);
    v = await fn();
  }
  return v;
}

/** Set a Train form field as typing does (React's onChange listens to 'input'). */
async function setField(field: string, value: string): Promise<void> {
  await js(`(() => {
    const el = ${testid(`train-${field}`)};
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el, ${JSON.stringify(value)});
    el.dispatchEvent(new Event('input', { bubbles: true }));
  })()`);
}

beforeAll(async () => {
  browser = await CdpBrowser.launch();
  // In the window Chromium opened at start, so a second tab there can hide it.
  tab = await browser.newTab(inject('baseUrl' as never) as string, false);
});

afterAll(async () => {
  await browser?.close();
});

describe('training in a background tab', () => {
  it('keeps advancing while the studio page is hidden', async () => {
    await until('the Train button', () => js<boolean>(`!!${testid('train-start')} && !${testid('train-start')}.disabled`), (v) => v, 600_000);
    expect(await visibility()).toBe('visible');
    await js(`document.querySelector('[data-kind=linear] input').click()`);
    for (const [f, v] of [['tmax', '32'], ['maxTrain', '150'], ['maxDev', '100'], ['epochs', '60'], ['batchSize', '8'], ['patience', '0']]) await setField(f, v);
    expect(await js<string>(`${testid('train-epochs')}.value`)).toBe('60');
    await js(`${testid('train-start')}.click()`);
    await until('training', status, (s) => s === 'training' || s === 'error', 600_000);
    expect(await status(), await js<string>(`${testid('train-error')}?.textContent ?? ''`)).toBe('training');
    await until('the first steps', step, (s) => s > 0, 120_000);

    // Visible: the steps of a few seconds.
    const v0 = { step: await step(), t: Date.now() };
    await sleep(6000);
    const v1 = { step: await step(), t: Date.now() };
    expect(await visibility()).toBe('visible');

    // Hidden: another tab in front of the studio's window.
    const other = await browser.newTab('about:blank', false);
    await browser.send('Target.activateTarget', { targetId: other.targetId });
    await until('the studio page to be hidden', visibility, (v) => v === 'hidden', 10_000);
    const h0 = { step: await step(), t: Date.now() };
    await sleep(6000);
    expect(await visibility()).toBe('hidden');
    const h1 = { step: await step(), t: Date.now() };
    expect(await status()).toBe('training');
    expect(h1.step).toBeGreaterThan(h0.step);

    const rate = (a: typeof v0, b: typeof v0) => (b.step - a.step) / ((b.t - a.t) / 1000);
    note(`linear run, batch 8, tmax 32: visible ${rate(v0, v1).toFixed(2)} steps/s (${v1.step - v0.step} steps), hidden ${rate(h0, h1).toFixed(2)} steps/s (${h1.step - h0.step} steps)`);

    await browser.send('Target.activateTarget', { targetId: tab.targetId });
    await until('the studio page to be visible again', visibility, (v) => v === 'visible', 10_000);
    await js(`${testid('train-stop')}.click()`);
    await until('the run to stop', status, (s) => s === 'done', 120_000);
  }, 900_000);

  it('a new dataset after a finished run: the Train badge is idle again, no tiles of the old run, "Train" not "Train again"', async () => {
    expect(await status()).toBe('done');
    expect(await js<string>(`${testid('train-start')}.textContent`)).toBe('Train again Linear probe');
    const pasted = 'POS what a lovely day\nNEG this is awful\nPOS great stuff\nNEG terrible film\nPOS loved it\nNEG hated it\n';
    await js(`(() => {
      const el = ${testid('paste-text')};
      Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set.call(el, ${JSON.stringify(pasted)});
      el.dispatchEvent(new Event('input', { bubbles: true }));
    })()`);
    await until('the paste button', () => js<boolean>(`!${testid('paste-apply')}.disabled`), (v) => v, 10_000);
    await js(`${testid('paste-apply')}.click()`);
    await until('the pasted dataset', () => js<string>(`${testid('data-current')}?.textContent ?? ''`), (t) => t.includes('pasted text'), 60_000);
    await until('the idle badge', status, (s) => s === 'idle', 10_000);
    expect(await js<number>(`document.querySelectorAll('[data-testid=live-run]').length`)).toBe(0);
    expect(await js<string>(`${testid('train-start')}.textContent`)).toBe('Train Linear probe');
  }, 120_000);
});
