// The trainer's pause gate on a real adapter: a run paused (twice, for real wall time, with other GPU work
// submitted while it waits) and resumed ends bit for bit where an uninterrupted run ends — same loss readbacks,
// same dev records, same parameters — and a run aborted while paused stops at once, keeping its best checkpoint.
import { describe, expect, it } from 'vitest';
import type { EncodedExample } from '../../src/encoder/types';
import { YTuningHead } from '../../src/heads/ytuning';
import { LinearHead } from '../../src/heads/linear';
import type { Head } from '../../src/heads/head';
import type { GpuEngine } from '../../src/gpu/engine';
import type { TrainExample } from '../../src/train/batches';
import { Trainer, type TrainCallbacks } from '../../src/train/trainer';
import { testEngine } from '../helpers/gpu';
import { randn } from '../helpers/rng';

const C = 8;
const L = 3;

function makeSet(n: number, seed: number): TrainExample[] {
  const centers = randn(L * C, 5, 1.5);
  const noise = randn(n * C * 4, seed, 1);
  return Array.from({ length: n }, (_, i) => {
    const label = i % L;
    const length = 1 + ((i * 7) % 4);
    const pooled = Float32Array.from({ length: C }, (_, c) => centers[label * C + c] + noise[i * C + c]);
    const tokens = Float32Array.from({ length: length * C }, (_, k) => centers[label * C + (k % C)] * 0.5 + noise[(n * C + i * 3 * C + k) % noise.length]);
    const features: EncodedExample = { tokens, length, pooled };
    return { features, label };
  });
}

const train = makeSet(60, 21);
const dev = makeSet(15, 22);
const opts = { epochs: 3, batchSize: 8, lr: 0.01, seed: 5, readEvery: 2, patience: 0, tmax: 4 };

async function run(e: GpuEngine, make: () => Head, cb: (trainer: Trainer) => TrainCallbacks) {
  const head = make();
  const trainer = new Trainer(e, head, opts);
  const result = await trainer.fit(train, dev, cb(trainer));
  const params = await Promise.all(head.params.map((p) => p.value.read()));
  trainer.dispose();
  head.dispose();
  return { result, params };
}

/** A gate that pauses before steps `at` for `ms` of wall time, doing other GPU work meanwhile. */
function pausingGate(e: GpuEngine, at: number[]) {
  let calls = 0;
  let paused = 0;
  return {
    gate: async () => {
      calls++;
      if (!at.includes(calls)) return;
      paused++;
      // Other GPU work while paused (what the page does: zero-shot previews, playground): must not disturb the run.
      const t = e.tensor([16], 'pause.other', new Float32Array(16).fill(3));
      await t.read();
      t.release();
      await new Promise((r) => setTimeout(r, 30));
    },
    paused: () => paused,
    calls: () => calls,
  };
}

describe('trainer pause gate', () => {
  const kinds: [string, (e: GpuEngine) => Head][] = [
    ['linear', (e) => new LinearHead(e, { C, labels: L, pair: false })],
    ['ytuning', (e) => new YTuningHead(e, { C, L, labelSeeds: null, seed: 2, d: 8, H: 2 })],
  ];
  for (const [name, make] of kinds) {
    it(`${name}: a paused and resumed run equals an uninterrupted one bit for bit`, async () => {
      const e = await testEngine();
      const a = await run(e, () => make(e), () => ({}));
      const g = pausingGate(e, [1, 5, 9]);
      const b = await run(e, () => make(e), () => ({ pauseGate: g.gate }));
      expect(g.paused()).toBe(3);
      // the gate is awaited before every step
      expect(g.calls()).toBe(a.result.steps);
      expect(b.result.steps).toBe(a.result.steps);
      expect(b.result.train.map((r) => r.loss)).toEqual(a.result.train.map((r) => r.loss));
      expect(b.result.dev.map((r) => [r.loss, r.metrics.accuracy])).toEqual(a.result.dev.map((r) => [r.loss, r.metrics.accuracy]));
      expect(b.params.length).toBeGreaterThan(0);
      b.params.forEach((p, i) => expect(p, `param ${i}`).toEqual(a.params[i]));
    });
  }

  it('a run aborted while paused stops before its next step and keeps its best checkpoint', async () => {
    const e = await testEngine();
    const ctrl = new AbortController();
    let release: () => void = () => {};
    let evals = 0;
    // Resolved when the trainer is held at the gate after the first dev evaluation (no timers: the machine may be slow).
    let held: () => void = () => {};
    const isHeld = new Promise<void>((r) => (held = r));
    const head = new LinearHead(e, { C, labels: L, pair: false });
    const trainer = new Trainer(e, head, opts);
    const done = trainer.fit(train, dev, {
      signal: ctrl.signal,
      onEval: () => evals++,
      pauseGate: () => {
        if (evals < 1) return Promise.resolve();
        held();
        return new Promise<void>((r) => (release = r));
      },
    });
    await isHeld;
    ctrl.abort();
    release();
    const result = await done;
    expect(result.stoppedBy).toBe('aborted');
    expect(result.dev.length).toBe(1);
    expect(result.steps).toBe(Math.ceil(train.length / opts.batchSize));
    const after = await trainer.evaluate(dev);
    expect(after.metrics.accuracy).toBe(result.best!.metrics.accuracy);
    trainer.dispose();
    head.dispose();
  });
});
