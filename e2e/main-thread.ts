// The page's main-thread tasks between two marks, from a Chromium trace: wall time and the thread's CPU time of
// each task. Design decision: a PerformanceObserver('longtask') gives only wall time, which on a loaded CPU
// test box (2 cores shared with the software GPU and other test runs) is mostly time spent waiting for a core —
// a task with 2 ms of work measured 270 ms there. The trace's thread time is the page's own work: what a change
// to the page can make longer or shorter. Both are reported; tests assert on the CPU time.
import type { Browser, Page } from 'playwright-core';

export interface MainThreadTask {
  /** Seconds after the start mark. */
  at: number;
  wallMs: number;
  cpuMs: number;
}

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { data?: { message?: string } };
}

export async function startMainThreadTrace(browser: Browser, page: Page): Promise<void> {
  await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  await page.evaluate(() => console.timeStamp('labeltune-run-start'));
}

/** Stop the trace; the tasks of the mark's thread that started after the start mark, longest CPU first. */
export async function stopMainThreadTrace(browser: Browser, page: Page): Promise<MainThreadTask[]> {
  await page.evaluate(() => console.timeStamp('labeltune-run-end'));
  const raw = await browser.stopTracing();
  const parsed = JSON.parse(raw.toString('utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mark = (m: string) => events.find((e) => e.name === 'TimeStamp' && e.args?.data?.message === m);
  const start = mark('labeltune-run-start');
  const end = mark('labeltune-run-end');
  if (!start || !end) throw new Error('the trace has no run marks (console.timeStamp)');
  return events
    .filter((e) => e.pid === start.pid && e.tid === start.tid && e.ph === 'X' && e.name === 'RunTask' && e.ts > start.ts && e.ts < end.ts)
    .map((e) => ({ at: (e.ts - start.ts) / 1e6, wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }))
    .sort((a, b) => b.cpuMs - a.cpuMs);
}
