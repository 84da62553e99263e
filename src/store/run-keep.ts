// Keeping runs with their heads in the history (a KeepStore, ./keep-plan.ts) under a size budget the user sets,
// and saving a run's progress while it trains (RunKeeper). Design decisions:
// - A save is one atomic write: the record, its head file, and the eviction of the oldest runs' head files that
//   the budget needs. A write the browser refuses for its quota (QuotaExceededError) stored nothing, so the
//   record is then saved alone, keeping the head file the run had; the notice says which and why.
// - A running run is saved at most every `everyMs` (5 s): the record so far, and the newest best checkpoint's head
//   file when a new one arrived since the last save. After a reload such a record (still 'running') is marked
//   'interrupted' (markInterrupted) and its checkpoint can be used like any run's head.
import { StorageQuotaError, evicted, formatBytes, planKeep, type KeepStore } from './keep-plan';
import type { RunRecord, RunWeights } from './run-record';
import type { Metrics } from '../train/metrics';

/** 256 MiB: about nine fine-tuned heads (~28 MB each), or thousands of feature heads. */
export const DEFAULT_HEAD_BUDGET = 256 * 1024 * 1024;
const BUDGET_KEY = 'labeltune-studio.head-budget-bytes';

type KV = Pick<Storage, 'getItem' | 'setItem'>;
const localKV = (): KV | null => (typeof localStorage === 'undefined' ? null : localStorage);

/** The head budget in bytes (the user's setting, else DEFAULT_HEAD_BUDGET). */
export function headBudget(kv: KV | null = localKV()): number {
  const v = Number(kv?.getItem(BUDGET_KEY) ?? NaN);
  return Number.isFinite(v) && v >= 0 ? v : DEFAULT_HEAD_BUDGET;
}

/** Remember a new budget (bytes); a bad value is refused with the reason. */
export function storeHeadBudget(bytes: number, kv: KV | null = localKV()): void {
  if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`the head budget must be a size of at least 0 MB, got ${bytes}`);
  kv?.setItem(BUDGET_KEY, String(Math.round(bytes)));
}

export interface KeptRun {
  record: RunRecord;
  /** A sentence when the head file was not kept (too large for the budget, quota), else null. */
  notice: string | null;
}

/** A head file to keep with a record: the run's final head, or its best checkpoint so far. */
export interface HeadFile {
  bytes: Uint8Array;
  of: RunWeights['of'];
}

/** Save `record` and, when given, its head file (replacing the run's previous one) within `budget` bytes. */
export async function keepRecord(store: KeepStore, record: RunRecord, head: HeadFile | null, budget: number): Promise<KeptRun> {
  const all = await store.records();
  const prev = all.find((r) => r.id === record.id)?.weights;
  if (!head) {
    const rec: RunRecord = { ...record, weights: prev ?? record.weights };
    if (!rec.weights) delete rec.weights;
    await store.write({ records: [rec], heads: [], dropHeads: [] });
    return { record: rec, notice: null };
  }
  const n = head.bytes.length;
  const savedAt = new Date().toISOString();
  const plan = planKeep(all, budget, { id: record.id, bytes: n });
  if (!plan.keepIncoming) {
    const note = `not kept: this head file (${formatBytes(n)}) is larger than the whole head budget (${formatBytes(budget)}); raise the budget in History, or export the head from the Use step`;
    const rec: RunRecord = { ...record, weights: { state: 'evicted', bytes: n, savedAt, of: head.of, note } };
    await store.write({ records: [rec], heads: [], dropHeads: prev?.state === 'kept' ? [record.id] : [] });
    return { record: rec, notice: `Run "${record.id}": its head was ${note}.` };
  }
  const rec: RunRecord = { ...record, weights: { state: 'kept', bytes: n, savedAt, of: head.of } };
  const out = plan.evict.map((r) => evicted(r, `weights evicted to stay within the ${formatBytes(budget)} head budget`));
  try {
    await store.write({ records: [rec, ...out], heads: [{ id: record.id, bytes: head.bytes }], dropHeads: out.map((r) => r.id) });
    return { record: rec, notice: null };
  } catch (err) {
    if (!(err instanceof StorageQuotaError)) throw err;
    // Nothing of that write was stored: the record alone, with the head file the run already had (if any).
    const what = head.of === 'final' ? 'head' : 'best checkpoint';
    const note = `${err.message}. The ${what} (${formatBytes(n)}) was not stored; nothing stored before was lost. Lower the head budget or delete runs in History to make room`;
    const weights: RunWeights = prev?.state === 'kept' ? { ...prev, note } : { state: 'evicted', bytes: n, savedAt, of: head.of, note };
    const alone: RunRecord = { ...record, weights };
    await store.write({ records: [alone], heads: [], dropHeads: [] });
    return { record: alone, notice: `Run "${record.id}": ${note}.` };
  }
}

/** Apply a (new) budget: evict the oldest runs' head files until the rest fits; returns how many were evicted. */
export async function applyBudget(store: KeepStore, budget: number): Promise<number> {
  const plan = planKeep(await store.records(), budget);
  if (!plan.evict.length) return 0;
  const out = plan.evict.map((r) => evicted(r, `weights evicted to stay within the ${formatBytes(budget)} head budget`));
  await store.write({ records: out, heads: [], dropHeads: out.map((r) => r.id) });
  return out.length;
}

/** The sentence an interrupted run is kept with. */
export function interruptedMessage(r: RunRecord): string {
  const step = r.steps.at(-1)?.step ?? 0;
  const acc = r.best ? ` (dev accuracy ${(r.best.accuracy * 100).toFixed(1)}%)` : '';
  const kept = r.weights?.state === 'kept' ? `Its best checkpoint${acc} is kept: "Use this head" makes it the active head.` : 'No checkpoint of it was saved.';
  return `The page was closed or reloaded during training (last saved at step ${step}). ${kept}`;
}

/** Records still 'running' that no page is training (`liveId`: this page's run, if any) become 'interrupted'. */
export async function markInterrupted(store: KeepStore, records: RunRecord[], liveId: string | null): Promise<RunRecord[]> {
  const stale = records.filter((r) => r.stoppedBy === 'running' && r.id !== liveId);
  if (!stale.length) return records;
  const fixed = new Map(stale.map((r) => [r.id, { ...r, stoppedBy: 'interrupted' as const, message: interruptedMessage(r) }]));
  await store.write({ records: [...fixed.values()], heads: [], dropHeads: [] });
  return records.map((r) => fixed.get(r.id) ?? r);
}

export interface KeeperDeps {
  store: KeepStore;
  budget: () => number;
  now: () => number;
  /** Run `fn` after `ms`; returns a cancel function. */
  schedule: (fn: () => void, ms: number) => () => void;
  /** A sentence for the page (a head not kept, a save that failed). */
  notice: (msg: string) => void;
  /** Minimum time between two progress saves. */
  everyMs: number;
}

export const realKeeperDeps = (store: KeepStore, notice: (msg: string) => void): KeeperDeps => ({
  store,
  budget: () => headBudget(),
  now: () => Date.now(),
  schedule: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
  notice,
  everyMs: 5000,
});

/** Progress saves of one run; see the file header. `finish` writes the run's final state after any pending save. */
export class RunKeeper {
  private record: RunRecord | null = null;
  private best: Metrics | null = null;
  private pendingHead: (() => Promise<Uint8Array>) | null = null;
  private cancel: (() => void) | null = null;
  private chain: Promise<void> = Promise.resolve();
  private last = -Infinity;
  private ended = false;

  constructor(private readonly d: KeeperDeps) {}

  /** The run's record changed (a step, an evaluation). Saved at the next save. */
  progress(record: RunRecord): void {
    if (this.ended) return;
    this.record = record;
    this.kick();
  }

  /** A new best checkpoint: `make` writes its head file when the next save runs. */
  checkpoint(metrics: Metrics, make: () => Promise<Uint8Array>): void {
    if (this.ended) return;
    this.best = metrics;
    this.pendingHead = make;
    this.kick();
  }

  /** Wait for the saves queued so far (tests, and `finish`). */
  settled(): Promise<void> {
    return this.chain;
  }

  /**
   * The run ended: save its final record with `final` (its final head file) or, without one, the newest
   * checkpoint not saved yet (a failed or lost run keeps its best checkpoint). Returns the notice, if any.
   */
  async finish(record: RunRecord, final: (() => Promise<Uint8Array>) | null): Promise<string | null> {
    this.ended = true;
    this.cancel?.();
    this.cancel = null;
    await this.chain;
    const make = final ?? this.pendingHead;
    this.pendingHead = null;
    const rec = { ...record, best: record.best ?? this.best };
    let head: HeadFile | null = null;
    let notice: string | null = null;
    try {
      if (make) head = { bytes: await make(), of: final ? 'final' : 'checkpoint' };
    } catch (err) {
      notice = `Run "${record.id}": its head could not be written for the history (${err instanceof Error ? err.message : String(err)}); the run's record is kept.`;
    }
    const kept = await keepRecord(this.d.store, rec, head, this.d.budget());
    return kept.notice ?? notice;
  }

  private kick(): void {
    if (this.cancel || this.ended) return;
    const wait = Math.max(0, this.last + this.d.everyMs - this.d.now());
    this.cancel = this.d.schedule(() => {
      this.cancel = null;
      this.chain = this.chain.then(() => this.save());
    }, wait);
  }

  private async save(): Promise<void> {
    if (this.ended || !this.record) return;
    this.last = this.d.now();
    const r = this.record;
    const rec: RunRecord = { ...r, steps: r.steps.slice(), evals: r.evals.slice(), best: r.best ?? this.best, timings: { ...r.timings } };
    const make = this.pendingHead;
    this.pendingHead = null;
    try {
      const head = make ? { bytes: await make(), of: 'checkpoint' as const } : null;
      const kept = await keepRecord(this.d.store, rec, head, this.d.budget());
      if (kept.notice) this.d.notice(kept.notice);
    } catch (err) {
      this.d.notice(`The progress of run "${r.id}" could not be saved to the history: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
