// The trainer on a real adapter, driving the linear probe over synthetic cached features: it learns a separable
// 3-class problem, is deterministic for a fixed seed, ends on the best dev checkpoint, and stops a diverging run
// with a clear message while keeping the best checkpoint.
import { describe, expect, it } from 'vitest';
import type { EncodedExample } from '../../src/encoder/types';
import { LinearHead } from '../../src/heads/linear';
import { packBatch, type TrainExample } from '../../src/train/batches';
import { Trainer } from '../../src/train/trainer';
import { testEngine } from '../helpers/gpu';
import { randn } from '../helpers/rng';

const C = 12;
const L = 3;

/** Class-dependent means plus noise: pooled vectors separable by a linear probe; token states vary in length. */
function makeSet(n: number, seed: number): TrainExample[] {
  const centers = randn(L * C, 7, 1.5);
  const noise = randn(n * C, seed, 1);
  return Array.from({ length: n }, (_, i) => {
    const label = i % L;
    const pooled = Float32Array.from({ length: C }, (_, c) => centers[label * C + c] + noise[i * C + c]);
    const length = 1 + ((i * 13) % 9);
    const features: EncodedExample = { tokens: new Float32Array(length * C).fill(0.5), length, pooled };
    return { features, label };
  });
}

async function paramsOf(head: LinearHead): Promise<Float32Array[]> {
  return Promise.all(head.params.map((p) => p.value.read()));
}

describe('trainer (linear probe on synthetic features)', () => {
  const train = makeSet(240, 11);
  const dev = makeSet(60, 12);
  const opts = { epochs: 6, batchSize: 16, lr: 0.05, seed: 3, readEvery: 3, patience: 0 };

  it('learns, is deterministic for a seed, and ends on the best dev checkpoint', async () => {
    const e = await testEngine();
    const run = async () => {
      const head = new LinearHead(e, { C, labels: L, pair: false });
      const trainer = new Trainer(e, head, opts);
      const evals: number[] = [];
      const result = await trainer.fit(train, dev, { onEval: (r) => evals.push(r.metrics.accuracy) });
      const after = await trainer.evaluate(dev);
      const params = await paramsOf(head);
      trainer.dispose();
      head.dispose();
      return { result, after, params, evals };
    };
    const a = await run();
    expect(a.result.stoppedBy).toBe('epochs');
    expect(a.result.steps).toBe(6 * Math.ceil(240 / 16));
    expect(a.evals.length).toBe(6);
    expect(a.result.train.length).toBe(Math.floor(a.result.steps / 3));
    expect(a.result.train.every((r) => Number.isFinite(r.loss) && r.examplesPerSecond > 0)).toBe(true);
    expect(a.result.best!.metrics.accuracy).toBeGreaterThan(0.9);
    // the head holds the best checkpoint: evaluating it again reproduces the best record
    expect(a.after.metrics.accuracy).toBe(a.result.best!.metrics.accuracy);
    expect(a.after.loss).toBeCloseTo(a.result.best!.loss, 6);
    const b = await run();
    expect(b.result.train.map((r) => r.loss)).toEqual(a.result.train.map((r) => r.loss));
    b.params.forEach((p, i) => expect(p).toEqual(a.params[i]));
  });

  it('stops a diverging run with a message and keeps the best checkpoint', async () => {
    const e = await testEngine();
    const poisoned = train.map((x) => ({ label: x.label, features: { ...x.features!, pooled: Float32Array.from(x.features!.pooled) } }));
    const head = new LinearHead(e, { C, labels: L, pair: false });
    const trainer = new Trainer(e, head, { ...opts, readEvery: 1 });
    const result = await trainer.fit(poisoned, dev, {
      onEval: () => {
        for (const x of poisoned) x.features!.pooled.fill(Number.NaN); // from now on every step's loss is NaN
      },
    });
    expect(result.stoppedBy).toBe('diverged');
    expect(result.message).toMatch(/diverged.*not finite.*Kept the best checkpoint \(epoch 1/);
    expect(result.best).not.toBeNull();
    const after = await trainer.evaluate(dev);
    expect(after.metrics.accuracy).toBe(result.best!.metrics.accuracy);
    trainer.dispose();
    head.dispose();
  });

  it('trains with the match objective (true pair vs a random wrong pair), one command buffer per step', async () => {
    const e = await testEngine();
    for (const objective of ['softmax', 'match'] as const) {
      const head = new LinearHead(e, { C, labels: L, pair: false });
      const trainer = new Trainer(e, head, { ...opts, objective });
      const batch = packBatch(e, train, [0, 1, 2, 3, 4], 8);
      await e.sync();
      const before = e.submitCount;
      trainer.step(batch, 100);
      expect(e.submitCount - before, objective).toBe(1);
      batch.release();
      const result = await trainer.fit(train, dev);
      expect(result.best!.metrics.accuracy, objective).toBeGreaterThan(0.9);
      trainer.dispose();
      head.dispose();
    }
  });

  it('stops when aborted, keeping the best checkpoint so far', async () => {
    const e = await testEngine();
    const head = new LinearHead(e, { C, labels: L, pair: false });
    const trainer = new Trainer(e, head, opts);
    const ctrl = new AbortController();
    const result = await trainer.fit(train, dev, { signal: ctrl.signal, onEval: () => ctrl.abort() });
    expect(result.stoppedBy).toBe('aborted');
    expect(result.dev.length).toBe(1);
    trainer.dispose();
    head.dispose();
  });
});
