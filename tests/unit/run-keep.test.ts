// The run history's head keeping (src/store/keep-plan.ts, run-keep.ts) over an in-memory KeepStore with the
// IndexedDB store's contract (atomic writes validated like history-db.ts, a quota that refuses a whole write,
// checked head reads): the budget and its oldest-first eviction, a head larger than the budget, a full quota
// (nothing else lost), runs left 'running' by a closed page, and progress saves during a run.
import { describe, expect, it } from 'vitest';
import { StorageQuotaError, StoredHeadError, formatBytes, planKeep, usedBytes, type KeepStore, type KeepWrite } from '../../src/store/keep-plan';
import { DEFAULT_HEAD_BUDGET, RunKeeper, applyBudget, headBudget, interruptedMessage, keepRecord, markInterrupted, storeHeadBudget } from '../../src/store/run-keep';
import { loadStoredHead } from '../../src/store/history-heads';
import { asRunRecord, runRecordProblem } from '../../src/store/run-record-guard';
import type { RunRecord } from '../../src/store/run-record';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/train/trainer';

const metrics = (a: number) => ({ n: 4, accuracy: a, macroF1: a, perClass: [{ precision: 1, recall: 0.5, f1: 0.67, support: 2 }, { precision: 0.67, recall: 1, f1: 0.8, support: 2 }], confusion: [[1, 1], [0, 2]] });

function run(id: string, day: number, over: Partial<RunRecord> = {}): RunRecord {
  return {
    version: 1,
    id,
    createdAt: `2025-01-${String(day).padStart(2, '0')}T00:00:00.000Z`,
    dataset: { name: 'demo', train: 10, dev: 4, pair: false },
    encoder: { name: 'use-lite', hash: 'abc' },
    head: 'linear',
    labels: ['ham', 'spam'],
    labelTexts: ['ham', 'spam'],
    options: DEFAULT_TRAIN_OPTIONS,
    steps: [{ step: 1, epoch: 0, loss: 0.7, lr: 0.01, examplesPerSecond: 100 }],
    evals: [],
    best: null,
    stoppedBy: 'epochs',
    message: 'done',
    timings: { encode: 1, train: 2 },
    ...over,
  };
}

/** Records and head files in Maps; a write is validated and applied whole, or (over `quota` bytes) not at all. */
class MemoryStore implements KeepStore {
  runs = new Map<string, RunRecord>();
  heads = new Map<string, { size: number; bytes: unknown }>();
  writes = 0;
  constructor(public quota = Infinity) {}
  async records() {
    return [...this.runs.values()].map((r) => structuredClone(r));
  }
  async write(w: KeepWrite) {
    const records = w.records.map((r) => asRunRecord(structuredClone(r)));
    const heads = new Map(this.heads);
    for (const id of w.dropHeads) heads.delete(id);
    for (const h of w.heads) heads.set(h.id, { size: h.bytes.length, bytes: h.bytes.slice() });
    const total = [...heads.values()].reduce((a, h) => a + h.size, 0);
    if (total > this.quota) throw new StorageQuotaError('saving', `${total} bytes would exceed ${this.quota}`);
    this.heads = heads;
    for (const r of records) this.runs.set(r.id, r);
    this.writes++;
  }
  async readHead(id: string) {
    const e = this.heads.get(id);
    if (!e) throw new StoredHeadError(id, 'is not in this browser any more');
    if (!(e.bytes instanceof Uint8Array)) throw new StoredHeadError(id, 'is damaged (the stored entry holds no bytes)');
    if (e.bytes.length !== e.size) throw new StoredHeadError(id, `is truncated (${e.bytes.length} of ${e.size} bytes)`);
    return e.bytes;
  }
}

const bytes = (n: number, fill = 1) => new Uint8Array(n).fill(fill);

/** A store holding runs a (day 1), b (day 2), c (day 3) with 400-byte heads each. */
async function threeKept(): Promise<MemoryStore> {
  const s = new MemoryStore();
  for (const [id, day] of [['a', 1], ['b', 2], ['c', 3]] as const) await keepRecord(s, run(id, day), { bytes: bytes(400, day), of: 'final' }, 10_000);
  return s;
}

describe('head budget', () => {
  it('planKeep evicts the oldest runs first until the rest fits, the incoming head counted', () => {
    const kept = (id: string, day: number, n: number) => run(id, day, { weights: { state: 'kept', bytes: n, savedAt: 'x', of: 'final' } });
    const rs = [kept('new', 9, 300), kept('old', 1, 300), kept('mid', 5, 300), run('none', 0)];
    expect(usedBytes(rs)).toBe(900);
    const p = planKeep(rs, 1000, { id: 'in', bytes: 300 });
    expect(p.keepIncoming).toBe(true);
    expect(p.evict.map((r) => r.id)).toEqual(['old']);
    expect(p.used).toBe(900);
    // The incoming run's own previous head is replaced, not counted.
    expect(planKeep(rs, 900, { id: 'mid', bytes: 300 }).evict).toEqual([]);
    // Larger than the whole budget: not kept, nothing evicted for it.
    expect(planKeep(rs, 1000, { id: 'in', bytes: 1001 })).toMatchObject({ keepIncoming: false, evict: [] });
    // A lower budget alone.
    expect(planKeep(rs, 350).evict.map((r) => r.id)).toEqual(['old', 'mid']);
  });

  it('keeps a run with its head and evicts the oldest heads beyond the budget; their records stay, marked', async () => {
    const s = await threeKept();
    expect([...s.heads.keys()].sort()).toEqual(['a', 'b', 'c']);
    const out = await keepRecord(s, run('d', 4), { bytes: bytes(400, 4), of: 'final' }, 1000);
    expect(out.notice).toBeNull();
    expect([...s.heads.keys()].sort()).toEqual(['c', 'd']);
    expect(s.runs.size).toBe(4);
    for (const id of ['a', 'b']) {
      expect(s.runs.get(id)!.weights).toMatchObject({ state: 'evicted', bytes: 400, note: expect.stringMatching(/evicted to stay within the 1000 B head budget/) });
    }
    expect(s.runs.get('d')!.weights).toMatchObject({ state: 'kept', bytes: 400, of: 'final' });
    expect(await s.readHead('d')).toEqual(bytes(400, 4));
    expect(usedBytes(await s.records())).toBe(800);
  });

  it('a head larger than the whole budget is not stored; its record says why, other heads stay', async () => {
    const s = await threeKept();
    const out = await keepRecord(s, run('big', 4), { bytes: bytes(2000), of: 'final' }, 1500);
    expect(out.notice).toMatch(/larger than the whole head budget \(1\.5 kB\)/);
    expect(s.runs.get('big')!.weights).toMatchObject({ state: 'evicted', bytes: 2000 });
    expect([...s.heads.keys()].sort()).toEqual(['a', 'b', 'c']);
  });

  it('a lowered budget evicts the oldest heads at once', async () => {
    const s = await threeKept();
    expect(await applyBudget(s, 500)).toBe(2);
    expect([...s.heads.keys()]).toEqual(['c']);
    expect(s.runs.get('a')!.weights?.state).toBe('evicted');
    expect(await applyBudget(s, 500)).toBe(0);
  });

  it('is the user setting when valid, else the default; a bad value is refused', () => {
    const m = new Map<string, string>();
    const kv = { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v) };
    expect(headBudget(kv)).toBe(DEFAULT_HEAD_BUDGET);
    storeHeadBudget(50 * 1024 * 1024, kv);
    expect(headBudget(kv)).toBe(50 * 1024 * 1024);
    expect(() => storeHeadBudget(-1, kv)).toThrow(/at least 0 MB/);
    expect(() => storeHeadBudget(NaN, kv)).toThrow(/at least 0 MB/);
    m.set('labeltune-studio.head-budget-bytes', 'garbage');
    expect(headBudget(kv)).toBe(DEFAULT_HEAD_BUDGET);
    expect(formatBytes(28 * 1024 * 1024)).toBe('28.0 MB');
  });
});

describe('bad storage', () => {
  it('a full quota (QuotaExceededError) stores the record alone with a specific notice; nothing stored before is lost', async () => {
    const s = await threeKept();
    s.quota = 1500;
    // The running run already had a 100-byte checkpoint; its new 400-byte one does not fit the quota.
    await keepRecord(s, run('d', 4, { stoppedBy: 'running' }), { bytes: bytes(100, 7), of: 'checkpoint' }, 10_000);
    const before = new Map(s.heads);
    const out = await keepRecord(s, run('d', 4, { stoppedBy: 'running', steps: [] }), { bytes: bytes(400, 8), of: 'checkpoint' }, 10_000);
    expect(out.notice).toMatch(/storage quota for this site is full \(QuotaExceededError\)/);
    expect(out.notice).toMatch(/best checkpoint \(400 B\) was not stored; nothing stored before was lost/);
    expect(s.heads).toEqual(before);
    expect(await s.readHead('d')).toEqual(bytes(100, 7));
    expect(s.runs.get('d')!.weights).toMatchObject({ state: 'kept', bytes: 100, note: expect.stringMatching(/QuotaExceededError/) });
    expect(s.runs.get('d')!.steps).toEqual([]);
    for (const id of ['a', 'b', 'c']) expect(s.runs.get(id)!.weights?.state).toBe('kept');
  });

  it('a stored head file that is not a head file is refused by name, before any GPU work', async () => {
    const s = await threeKept();
    s.heads.set('a', { size: 5, bytes: bytes(5) });
    // No engine is passed: the file is refused while parsing, before importHead could build anything.
    await expect(loadStoredHead(s, undefined as never, 'a', { encoderHash: 'abc' })).rejects.toThrow(/the stored head of run "a" cannot be used: .*too short for the 8-byte header length \(truncated/);
    await expect(loadStoredHead(s, undefined as never, 'b', { encoderHash: 'abc' })).rejects.toThrow(/the stored head of run "b" cannot be used: .*safetensors/);
    await expect(loadStoredHead(s, undefined as never, 'zz', { encoderHash: 'abc' })).rejects.toThrow(StoredHeadError);
    expect(s.runs.size).toBe(3);
  });

  it('the record guard checks weights and knows failed and interrupted runs', () => {
    expect(runRecordProblem(run('x', 1, { stoppedBy: 'failed' }))).toBeNull();
    expect(runRecordProblem(run('x', 1, { stoppedBy: 'interrupted', weights: { state: 'evicted', bytes: 3, savedAt: 'x', of: 'checkpoint', note: 'n' } }))).toBeNull();
    expect(runRecordProblem({ ...run('x', 1), weights: { state: 'lost', bytes: 1, savedAt: 'x', of: 'final' } })).toMatch(/weights is not/);
    expect(runRecordProblem({ ...run('x', 1), weights: { state: 'kept', bytes: -1, savedAt: 'x', of: 'final' } })).toMatch(/weights is not/);
  });
});

describe('runs in progress', () => {
  it('a run left running by a closed page becomes interrupted (not the one this page trains), its checkpoint kept', async () => {
    const s = new MemoryStore();
    await keepRecord(s, run('gone', 1, { stoppedBy: 'running', best: metrics(0.75), steps: [{ step: 12, epoch: 1, loss: 0.3, lr: 0.01, examplesPerSecond: 1 }] }), { bytes: bytes(50), of: 'checkpoint' }, 1000);
    await keepRecord(s, run('live', 2, { stoppedBy: 'running' }), null, 1000);
    await keepRecord(s, run('done', 3), null, 1000);
    const out = await markInterrupted(s, await s.records(), 'live');
    expect(out.find((r) => r.id === 'gone')).toMatchObject({ stoppedBy: 'interrupted', weights: { state: 'kept', of: 'checkpoint' } });
    expect(s.runs.get('gone')!.message).toBe('The page was closed or reloaded during training (last saved at step 12). Its best checkpoint (dev accuracy 75.0%) is kept: "Use this head" makes it the active head.');
    expect(s.runs.get('live')!.stoppedBy).toBe('running');
    expect(s.runs.get('done')!.stoppedBy).toBe('epochs');
    expect(interruptedMessage(run('n', 1))).toMatch(/No checkpoint of it was saved/);
  });

  /** A RunKeeper on a manual clock: `tick(ms)` runs what is due. */
  function keeper(s: MemoryStore) {
    let now = 0;
    const timers: { at: number; fn: () => void }[] = [];
    const notices: string[] = [];
    const k = new RunKeeper({
      store: s,
      budget: () => 10_000,
      now: () => now,
      schedule: (fn, ms) => {
        const t = { at: now + ms, fn };
        timers.push(t);
        return () => timers.splice(timers.indexOf(t), 1);
      },
      notice: (m) => notices.push(m),
      everyMs: 5000,
    });
    const tick = async (ms: number) => {
      now += ms;
      for (const t of timers.filter((x) => x.at <= now)) {
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
      await k.settled();
    };
    return { k, tick, notices };
  }

  it('saves the record at once, then at most every 5 s, with the newest best checkpoint', async () => {
    const s = new MemoryStore();
    const { k, tick, notices } = keeper(s);
    const rec = run('r', 1, { stoppedBy: 'running', steps: [] });
    k.progress(rec);
    await tick(0);
    expect(s.writes).toBe(1);
    expect(s.runs.get('r')!.stoppedBy).toBe('running');
    for (let i = 1; i <= 3; i++) {
      rec.steps.push({ step: i, epoch: 0, loss: 1 / i, lr: 0.01, examplesPerSecond: 1 });
      k.progress(rec);
    }
    let made = 0;
    k.checkpoint(metrics(0.6), async () => (made++, bytes(30, 1)));
    k.checkpoint(metrics(0.7), async () => (made++, bytes(30, 2)));
    await tick(4000);
    expect(s.writes).toBe(1);
    await tick(1000);
    expect(s.writes).toBe(2);
    expect(made).toBe(1); // only the newest checkpoint is written
    expect(await s.readHead('r')).toEqual(bytes(30, 2));
    expect(s.runs.get('r')).toMatchObject({ stoppedBy: 'running', best: { accuracy: 0.7 }, weights: { state: 'kept', of: 'checkpoint' } });
    expect(s.runs.get('r')!.steps).toHaveLength(3);
    expect(notices).toEqual([]);
  });

  it('a failed run is kept with its reason and its newest checkpoint, even one not saved yet', async () => {
    const s = new MemoryStore();
    const { k, tick } = keeper(s);
    const rec = run('f', 1, { stoppedBy: 'running', steps: [] });
    k.progress(rec);
    await tick(0);
    k.checkpoint(metrics(0.8), async () => bytes(20, 5));
    rec.stoppedBy = 'failed';
    rec.message = 'Training failed: The trainer worker failed: boom';
    expect(await k.finish(rec, null)).toBeNull();
    expect(s.runs.get('f')).toMatchObject({ stoppedBy: 'failed', message: /worker failed: boom/, best: { accuracy: 0.8 }, weights: { state: 'kept', of: 'checkpoint' } });
    expect(await s.readHead('f')).toEqual(bytes(20, 5));
    // Nothing is saved after the end.
    const n = s.writes;
    k.progress(rec);
    await tick(10_000);
    expect(s.writes).toBe(n);
  });

  it('a finished run replaces its checkpoint with its final head; a head that cannot be written leaves the record and says so', async () => {
    const s = new MemoryStore();
    const { k, tick } = keeper(s);
    const rec = run('ok', 1, { stoppedBy: 'running' });
    k.checkpoint(metrics(0.5), async () => bytes(10, 1));
    k.progress(rec);
    await tick(0);
    expect(await k.finish({ ...rec, stoppedBy: 'epochs' }, async () => bytes(12, 9))).toBeNull();
    expect(await s.readHead('ok')).toEqual(bytes(12, 9));
    expect(s.runs.get('ok')!.weights).toMatchObject({ state: 'kept', of: 'final', bytes: 12 });

    const { k: k2 } = keeper(s);
    const msg = await k2.finish(run('bad', 2), async () => {
      throw new Error('parameter "w" holds NaN');
    });
    expect(msg).toMatch(/its head could not be written for the history \(parameter "w" holds NaN\); the run's record is kept/);
    expect(s.runs.get('bad')!.weights).toBeUndefined();
  });
});
