// Full fine-tuning (the `finetune` head: every weight of the WGSL encoder plus a classifier) driven by the
// ordinary trainer on token ids: on the tiny BERT it learns a task its frozen features cannot separate linearly
// at initialisation, is deterministic for a seed, moves every encoder tensor, applies layer-wise lr decay, and
// runs side-by-side pairs as one encoder batch of 2B sequences.
import { describe, expect, it } from 'vitest';
import { FinetuneHead } from '../../src/heads/finetune';
import { packBatch, type TrainExample } from '../../src/train/batches';
import { estimateRun } from '../../src/train/estimate';
import { Trainer } from '../../src/train/trainer';
import { mulberry32 } from '../../src/data/random';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { testEngine } from '../helpers/gpu';
import { tinyBertSpec } from '../helpers/tiny-bert-spec';

const tb = makeTinyBert({ layers: 1 });
const spec = tinyBertSpec(tb);
const MARK = 7; // label 1 iff this token id occurs in the text

function makeSet(n: number, seed: number, pair = false): TrainExample[] {
  const rand = mulberry32(seed);
  const seq = (len: number, withMark: boolean) => {
    const ids = Uint32Array.from({ length: len }, () => 10 + Math.floor(rand() * (spec.vocabSize - 10)));
    if (withMark) ids[Math.floor(rand() * len)] = MARK;
    return ids;
  };
  return Array.from({ length: n }, (_, i) => {
    const label = i % 2;
    const len = 3 + Math.floor(rand() * 6);
    const ids = seq(len, label === 1 && !pair);
    const x: TrainExample = { label, tokens: { ids, typeIds: null, mask: new Uint8Array(len).fill(1) } };
    if (pair) {
      const lenB = 2 + Math.floor(rand() * 5);
      x.tokens!.idsB = seq(lenB, label === 1);
      x.tokens!.maskB = new Uint8Array(lenB).fill(1);
    }
    return x;
  });
}

describe('finetune head (tiny BERT, every weight trained)', () => {
  const train = makeSet(96, 1);
  const dev = makeSet(48, 2);
  const opts = { epochs: 8, batchSize: 16, lr: 3e-3, seed: 5, readEvery: 2, patience: 0, warmupFraction: 0.1 };

  it('learns the marker task, moves every encoder tensor, and is deterministic for a seed', async () => {
    const e = await testEngine();
    const run = async () => {
      const head = new FinetuneHead(e, { spec, labels: 2, pair: false, seed: 3 });
      const before = await Promise.all(head.params.map((p) => p.value.read()));
      const trainer = new Trainer(e, head, opts);
      const result = await trainer.fit(train, dev);
      const after = await Promise.all(head.params.map((p) => p.value.read()));
      const names = head.params.map((p) => p.name);
      trainer.dispose();
      head.dispose();
      return { result, before, after, names };
    };
    const a = await run();
    expect(a.result.stoppedBy).toBe('epochs');
    expect(a.result.best!.metrics.accuracy).toBeGreaterThan(0.9);
    // every tensor moved (the embeddings rows of tokens that never occur stay, so compare whole tensors)
    a.names.forEach((n, i) => {
      const moved = a.after[i].some((v, j) => v !== a.before[i][j]);
      expect(moved, `${n} moved`).toBe(true);
    });
    expect(a.names).toContain('encoder.embeddings.word');
    expect(a.names).toContain('encoder.layers.0.ffnOut.W');
    const b = await run();
    expect(b.result.best!.metrics.accuracy).toBe(a.result.best!.metrics.accuracy);
    b.after.forEach((t, i) => expect(Array.from(t)).toEqual(Array.from(a.after[i])));
  });

  it('a measured step (the run estimate) leaves no trace: the run after it equals an unmeasured run bit for bit', async () => {
    const e = await testEngine();
    const small = { ...opts, epochs: 2 };
    const run = async (measure: boolean) => {
      const head = new FinetuneHead(e, { spec, labels: 2, pair: false, seed: 3 });
      const trainer = new Trainer(e, head, small);
      if (measure) {
        const est = await estimateRun(e, trainer, train, dev.length, 2);
        expect(est.stepSeconds).toBeGreaterThan(0);
        expect(est.steps).toBe(2 * Math.ceil(train.length / 16));
        expect(est.totalSeconds).toBeGreaterThan(est.steps * est.stepSeconds);
      }
      await trainer.fit(train, dev);
      const out = await Promise.all(head.params.map((p) => p.value.read()));
      trainer.dispose();
      head.dispose();
      return out;
    };
    const plain = await run(false);
    const measured = await run(true);
    measured.forEach((t, i) => expect(Array.from(t)).toEqual(Array.from(plain[i])));
  });

  it('a fine-tuning step (encoder forward, classifier, loss, backward, clip, AdamW) is one command buffer', async () => {
    const e = await testEngine();
    for (const pair of [false, true]) {
      const head = new FinetuneHead(e, { spec, labels: 2, pair, seed: 3 });
      const trainer = new Trainer(e, head, opts);
      const set = makeSet(16, 9, pair);
      const batch = packBatch(e, set, set.map((_, i) => i), 64);
      await e.sync();
      const before = e.submitCount;
      trainer.step(batch, 10);
      expect(e.submitCount - before, `submits per step (pairs ${pair})`).toBe(1);
      batch.release();
      trainer.dispose();
      head.dispose();
    }
  });

  it('layer-wise lr decay scales the encoder layers and embeddings, not the classifier', async () => {
    const e = await testEngine();
    const head = new FinetuneHead(e, { spec, labels: 2, pair: false, seed: 3, layerDecay: 0.5 });
    const scale = (n: string) => head.params.find((p) => p.name === n)!.lrScale;
    expect(scale('encoder.layers.0.q.W')).toBe(0.5);
    expect(scale('encoder.embeddings.word')).toBe(0.25);
    expect(scale('classifier.W')).toBeUndefined();
    head.dispose();
    expect(() => new FinetuneHead(e, { spec, labels: 2, pair: false, seed: 3, layerDecay: 1.5 })).toThrow(/layer-wise lr decay/);
  });

  it('side-by-side pairs: 2B sequences per batch, pair features, learns where the marker is in side B', async () => {
    const e = await testEngine();
    const head = new FinetuneHead(e, { spec, labels: 2, pair: true, seed: 4 });
    const trainer = new Trainer(e, head, { ...opts, epochs: 10 });
    const result = await trainer.fit(makeSet(96, 3, true), makeSet(48, 4, true));
    expect(result.best!.metrics.accuracy).toBeGreaterThan(0.85);
    trainer.dispose();
    head.dispose();
  });

  it('refuses a batch without token ids', async () => {
    const e = await testEngine();
    const head = new FinetuneHead(e, { spec, labels: 2, pair: false, seed: 3 });
    const trainer = new Trainer(e, head, opts);
    const featuresOnly: TrainExample[] = [{ label: 0, features: { tokens: new Float32Array(32), length: 1, pooled: new Float32Array(32) } }];
    await expect(trainer.fit(featuresOnly, featuresOnly)).rejects.toThrow(/no token ids/);
    trainer.dispose();
    head.dispose();
  });
});
