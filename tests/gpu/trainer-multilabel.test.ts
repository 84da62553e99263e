// The trainer's multi-label objective and class weights on a real adapter (linear probe, synthetic features):
// a step's loss equals the float64 weighted sigmoid cross-entropy of the head's logits, softmax class weights
// give PyTorch's weighted mean, and a separable 3-label problem is learned with thresholds tuned on dev.
import { describe, expect, it } from 'vitest';
import type { EncodedExample } from '../../src/encoder/types';
import { LinearHead } from '../../src/heads/linear';
import { packBatch, type TrainExample } from '../../src/train/batches';
import { Trainer } from '../../src/train/trainer';
import { testEngine } from '../helpers/gpu';
import { randn } from '../helpers/rng';

const C = 8;
const L = 3;

/** Label k present iff pooled[k] > 0.2 (rows with no label get label 0 forced on). */
function makeSet(n: number, seed: number): TrainExample[] {
  const x = randn(n * C, seed, 1);
  return Array.from({ length: n }, (_, i) => {
    const pooled = Float32Array.from({ length: C }, (_, c) => x[i * C + c]);
    let labels = [0, 1, 2].filter((k) => pooled[k] > 0.2);
    if (labels.length === 0) {
      pooled[0] = 1;
      labels = [0];
    }
    const features: EncodedExample = { tokens: new Float32Array(2 * C), length: 2, pooled };
    return { features, label: labels[0], labels };
  });
}

const logSig = (z: number) => (z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z)));

describe('trainer: multi-label objective and class weights', () => {
  it("a step's loss is the weighted mean sigmoid cross-entropy of the logits (float64 reference)", async () => {
    const e = await testEngine();
    const data = makeSet(12, 5);
    const head = new LinearHead(e, { C, labels: L, pair: false });
    const classWeights = { positive: [2, 0.5, 1.5], negative: [0.7, 1, 1.2] };
    const trainer = new Trainer(e, head, { objective: 'multilabel', classWeights, batchSize: 12 });
    const batch = packBatch(e, data, data.map((_, i) => i), 4);
    try {
      const z = await head.forward(e, batch, false).read();
      trainer.step(batch, 10);
      const got = await trainer.lastLoss();
      let num = 0;
      let den = 0;
      data.forEach((x, b) => {
        for (let k = 0; k < L; k++) {
          const on = x.labels!.includes(k);
          const w = on ? classWeights.positive[k] : classWeights.negative[k];
          num -= w * (on ? logSig(z[b * L + k]) : logSig(-z[b * L + k]));
          den += w;
        }
      });
      expect(Math.abs(got - num / den)).toBeLessThan(1e-5 + 1e-4 * Math.abs(num / den));
    } finally {
      batch.release();
      trainer.dispose();
      head.dispose();
    }
  });

  it('softmax class weights: the loss is sum_b w[y_b] l_b / sum_b w[y_b]', async () => {
    const e = await testEngine();
    const data = makeSet(10, 6);
    const head = new LinearHead(e, { C, labels: L, pair: false });
    const w = [3, 1, 0.5];
    const trainer = new Trainer(e, head, { classWeights: { positive: w, negative: [1, 1, 1] }, batchSize: 10 });
    const batch = packBatch(e, data, data.map((_, i) => i), 4);
    try {
      const z = await head.forward(e, batch, false).read();
      trainer.step(batch, 10);
      let num = 0;
      let den = 0;
      data.forEach((x, b) => {
        const row = Array.from({ length: L }, (_, k) => z[b * L + k]);
        const m = Math.max(...row);
        const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
        num += w[x.label] * (lse - row[x.label]);
        den += w[x.label];
      });
      expect(Math.abs((await trainer.lastLoss()) - num / den)).toBeLessThan(1e-5 + 1e-4 * (num / den));
    } finally {
      batch.release();
      trainer.dispose();
      head.dispose();
    }
  });

  it('learns a separable 3-label problem; the head keeps the best dev checkpoint and its tuned thresholds', async () => {
    const e = await testEngine();
    const train = makeSet(200, 11);
    const dev = makeSet(60, 12);
    const head = new LinearHead(e, { C, labels: L, pair: false });
    const trainer = new Trainer(e, head, { objective: 'multilabel', epochs: 8, batchSize: 16, lr: 0.05, seed: 2, readEvery: 4, patience: 0 });
    try {
      const r = await trainer.fit(train, dev);
      expect(r.best!.metrics.multiLabel).toBeDefined();
      expect(r.best!.metrics.macroF1).toBeGreaterThan(0.85);
      expect(trainer.thresholds).toHaveLength(L);
      const again = await trainer.evaluate(dev);
      expect(again.metrics.macroF1).toBe(r.best!.metrics.macroF1);
      expect(again.metrics.multiLabel!.thresholds).toEqual(trainer.thresholds);
    } finally {
      trainer.dispose();
      head.dispose();
    }
  });
});
