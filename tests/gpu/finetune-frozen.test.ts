// A `finetune` head loaded for inference only (`trainable: false`: eval, predict, export) allocates no gradients:
// the buffer pool holds exactly the weights (the trainable load holds weights + gradients, twice as much), its
// logits and its re-exported file equal the trainable load's bit for bit, and backward() refuses with a message.
import { describe, expect, it } from 'vitest';
import { FinetuneHead } from '../../src/heads/finetune';
import { exportHead, importHead, type HeadMeta } from '../../src/heads/serialize';
import { TextTokenizer } from '../../src/encoder/tokenizer';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import { mapSpecTensors, specTensors } from '../../src/model/spec';
import { packTokenBatch } from '../../src/train/batches';
import { tokenize } from '../../src/train/token-examples';
import { tokenHeadLogits } from '../../src/train/token-inference';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { testEngine } from '../helpers/gpu';

const TEXTS = ['the cat sat on the mat', 'a dog', 'the quick brown fox jumps over the lazy dog', 'hello world'];

describe('finetune head loaded with trainable: false', () => {
  it('holds only the weights (no gradients), predicts and exports exactly as the trainable load, refuses backward', async () => {
    const e = await testEngine();
    const tb = makeTinyBert();
    const base = readEncoderSpec(tb.model);
    const tok = TextTokenizer.fromJson('tiny-bert', tb.tokenizerJson, 0);
    const spec = mapSpecTensors(base, (_, t) => Float32Array.from(t.data, (v, i) => v + 0.02 * Math.sin(i)));
    const W = Float32Array.from({ length: 32 * 3 }, (_, i) => Math.cos(i));
    const meta: HeadMeta = { labels: ['a', 'b', 'c'], labelTexts: ['a', 'b', 'c'], encoder: { name: 'tiny-bert', hash: 'h' }, tokenizer: { tmax: 12, pair: 'none' }, training: {}, metrics: { accuracy: 0, macroF1: 0 }, createdAt: '2026-12-04T00:00:00.000Z' };
    const source = new FinetuneHead(e, { spec, labels: 3, pair: false, seed: 0, W });
    const file = await exportHead(source, meta);
    source.dispose();
    await e.sync();

    const weightBytes = specTensors(base).reduce((n, t) => n + t.tensor.data.length * 4, 0) + (W.length + 3) * 4;
    const load = async (trainable: boolean) => {
      const before = e.pool.liveBytes;
      e.pool.resetPeak();
      const { head } = importHead(e, file, { encoderHash: 'h', encoderSpec: base, trainable });
      const held = e.pool.liveBytes - before;
      const logits = await tokenHeadLogits(e, head, tok, TEXTS.map((text) => ({ text })), 12, 'none', { batchSize: 4 });
      const peak = e.pool.peakLiveBytes - before;
      const again = await exportHead(head, meta);
      return { head, held, peak, logits, again };
    };
    const t = await load(true);
    const f = await load(false);
    console.info(
      `[finetune frozen] tiny BERT: held ${t.held} B trainable vs ${f.held} B frozen (saved ${t.held - f.held} B); ` +
        `peak during eval ${t.peak} vs ${f.peak} B (saved ${(((t.peak - f.peak) / t.peak) * 100).toFixed(1)}%)`,
    );
    // The pool rounds sizes up to buckets: the frozen load holds at least the weights and less than twice them
    // (the LayerNorm scratch of a frozen encoder is a few hundred bytes); the trainable load holds twice as much.
    expect(f.held).toBeGreaterThanOrEqual(weightBytes);
    expect(t.held - f.held).toBeGreaterThanOrEqual(weightBytes * 0.95);
    expect(f.peak).toBeLessThan(t.peak);
    expect(f.head.params).toHaveLength(0);
    expect(t.head.params.length).toBe(t.head.weights!.length);
    expect(Array.from(f.logits)).toEqual(Array.from(t.logits));
    expect(f.again).toEqual(t.again);

    const ex = [{ tokens: tokenize(tok, TEXTS[0], undefined, 12, 'none'), label: 0 }];
    const batch = packTokenBatch(e, ex, [0], 12);
    const z = f.head.forward(e, batch, true);
    expect(() => f.head.backward(e, batch, z)).toThrow(/loaded for inference only \(trainable: false\)/);
    batch.release();
    t.head.dispose();
    f.head.dispose();
  });
});
