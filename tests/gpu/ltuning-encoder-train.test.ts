// The trainer driving the L-Tuning heads over the frozen tiny BERT with the match objective: a training step hands
// the head exactly the objective's pairs (the true label, then the seeded wrong label whose BCE weight is set),
// so only 2 of the L labels run through the encoder per text; evaluation scores every label; a short run on a
// separable token task lowers the match loss and leaves a head that is not a constant predictor.
import { describe, expect, it } from 'vitest';
import type { GpuEngine, GpuTensor } from '../../src/gpu/engine';
import type { HeadBatch } from '../../src/heads/head';
import { EncoderTuningHead, type EncoderTuningMethod } from '../../src/heads/ltuning-encoder';
import type { TrainExample } from '../../src/train/batches';
import { Trainer } from '../../src/train/trainer';
import { mulberry32 } from '../../src/util/random';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { testEngine } from '../helpers/gpu';
import { randn } from '../helpers/rng';
import { tinyBertSpec } from '../helpers/tiny-bert-spec';

const spec = tinyBertSpec(makeTinyBert());
const L = 3;

/** Texts of 3-6 random tokens plus one marker token per class (ids 10 + label). */
function makeSet(n: number, seed: number): TrainExample[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const label = i % L;
    const len = 3 + Math.floor(rand() * 4);
    const ids = Uint32Array.from({ length: len }, () => 20 + Math.floor(rand() * 40));
    ids[Math.floor(rand() * len)] = 10 + label;
    return { label, tokens: { ids, typeIds: null, mask: new Uint8Array(len).fill(1) } };
  });
}

class Spy extends EncoderTuningHead {
  seen: { pairs: Uint32Array | undefined; B: number; labels?: Uint32Array }[] = [];
  override forward(e: GpuEngine, batch: HeadBatch, train: boolean): GpuTensor {
    this.seen.push({ pairs: batch.pairs ? Uint32Array.from(batch.pairs) : undefined, B: batch.B, labels: (batch as HeadBatch & { labels?: Uint32Array }).labels });
    return super.forward(e, batch, train);
  }
}

const labelStates = Array.from({ length: L }, (_, l) => ({ tokens: randn(2 * spec.hiddenSize, 500 + l, 5), length: 2 }));

describe('L-Tuning heads in the trainer (match objective, tiny BERT)', () => {
  for (const method of ['lt-prefix', 'lt-prompt'] as EncoderTuningMethod[]) {
    it(`${method}: trains on (true, false) pairs only, evaluates every label, learns the marker task`, async () => {
      const e = await testEngine();
      const head = new Spy(e, { method, spec, labels: L, P: 2, labelStates, seed: 1 });
      const train = makeSet(36, 1);
      const dev = makeSet(18, 2);
      const trainer = new Trainer(e, head, { objective: 'match', epochs: 8, batchSize: 6, lr: 1e-2, seed: 4, readEvery: 1, patience: 0, tmax: 16 });
      const losses: number[] = [];
      const result = await trainer.fit(train, dev, { onStep: (s) => losses.push(s.loss) });
      const trainCalls = head.seen.filter((s) => s.pairs);
      expect(trainCalls.length, 'every training step passes a pair list').toBe(result.steps);
      for (const s of trainCalls) {
        expect(s.pairs!.length).toBe(2 * s.B);
        for (let b = 0; b < s.B; b++) {
          expect(s.pairs![2 * b], 'the true label first').toBe(s.labels![b]);
          expect(s.pairs![2 * b + 1], 'then a wrong one').not.toBe(s.labels![b]);
        }
      }
      expect(head.seen.filter((s) => !s.pairs).length, 'evaluation batches score all labels').toBeGreaterThan(0);
      const first = losses.slice(0, 6).reduce((a, b) => a + b, 0) / 6;
      const last = losses.slice(-6).reduce((a, b) => a + b, 0) / 6;
      expect(last, `${method}: mean match loss of the last 6 steps vs the first 6`).toBeLessThan(first);
      const final = await trainer.evaluate(dev);
      const predicted = new Set(final.metrics.confusion.flatMap((row) => row.map((n, p) => (n > 0 ? p : -1))).filter((p) => p >= 0));
      expect(predicted.size, `${method}: predicts more than one label`).toBeGreaterThan(1);
      trainer.dispose();
      head.dispose();
    });
  }
});
