// encoderActivationBytes / activationLimitError (src/model/memory.ts): the activation account of a
// forward-for-backward. USE-lite at B=32, T=128 must fit WebGPU's default limits with per-layer recomputation;
// buffer shapes are cross-checked against what the float64 reference encoder actually keeps (with an L-Tuning
// prefix and prompt), and an over-limit batch gets a message naming the buffer, the limit and a batch that fits.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forward } from '../../reference/model/encoder';
import { activationLimitError, DEFAULT_LIMITS, encoderActivationBytes, encoderWeightBytes, weightLimitError } from '../../src/model/memory';
import { specParameterCount } from '../../src/model/spec';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import { makeTinyBert } from '../../tools/make-tiny-bert';

const USE_LITE = join(process.cwd(), 'public', 'models', 'use-lite', 'model.onnx');
const MiB = 2 ** 20;
const notes: string[] = [];
afterAll(() => console.log(notes.join('\n')));

describe('activation memory: USE-lite', () => {
  if (!existsSync(USE_LITE)) throw new Error(`${USE_LITE} is missing: generate it with \`npx tsx tools/convert-use-lite.ts\``);
  const spec = readEncoderSpec(new Uint8Array(readFileSync(USE_LITE)));

  it('B=32, T=128 fits the default limits with recompute (and every buffer fits without)', () => {
    const on = encoderActivationBytes(spec, 32, 128, { recompute: true });
    const off = encoderActivationBytes(spec, 32, 128, { recompute: false });
    for (const a of [on, off]) {
      notes.push(`USE-lite B=32 T=128 recompute ${a.recompute ? 'on ' : 'off'}: ${a.buffers.length} buffers, total ${(a.totalBytes / MiB).toFixed(1)} MiB, ` +
        `largest ${a.largest.name} (${a.largest.shape.join('x')}) ${(a.largest.bytes / MiB).toFixed(1)} MiB`);
      expect(a.largest.bytes).toBeLessThanOrEqual(DEFAULT_LIMITS.maxStorageBufferBindingSize);
    }
    expect(activationLimitError(spec, 32, 128, { recompute: true })).toBeNull();
    expect(on.totalBytes).toBeLessThan(off.totalBytes);
    // The largest: an FFN activation (B*T, 1536) in float32 = 24 MiB.
    expect(on.largest.bytes).toBe(32 * 128 * 1536 * 4);
    expect(on.largest.name).toMatch(/^layers\.\d\.f1/);
    // Layer 1's attention probabilities (B, H, T, T) = 8 MiB.
    expect(off.buffers.find((b) => b.name === 'layers.1.probs')).toEqual({ name: 'layers.1.probs', shape: [32, 4, 128, 128], bytes: 8 * MiB });
    // Recompute keeps every layer's input but only one layer's activations.
    expect(on.buffers.filter((b) => /^layers\.\d\.x$/.test(b.name)).length).toBe(2);
    expect(on.buffers.filter((b) => b.name.endsWith('(recomputed)')).length).toBe(off.buffers.filter((b) => /^layers\.1\.(?!x$)/.test(b.name)).length);
    // The pre-LN layer saves LN1's output and no r2.
    expect(off.buffers.some((b) => b.name === 'layers.0.n1.y')).toBe(true);
    expect(off.buffers.some((b) => b.name === 'layers.0.r2')).toBe(false);
  });

  it('an over-limit batch names the buffer and the limit and suggests the largest batch that fits', () => {
    const msg = activationLimitError(spec, 200, 128, { recompute: true });
    expect(msg).toMatch(/^activation buffer layers\.\d\.f1 \(recomputed\) \(25600 x 1536\) needs 150\.0 MiB, over the device's maxStorageBufferBindingSize of 128\.0 MiB: use a batch of at most 170 at 128 tokens, or a smaller Tmax$/);
    expect(activationLimitError(spec, 170, 128, { recompute: true })).toBeNull();
    const tight = { maxStorageBufferBindingSize: 0.5 * MiB, maxBufferSize: 256 * MiB };
    expect(activationLimitError(spec, 1, 128, { recompute: true }, tight)).toMatch(/even a batch of 1 does not fit at 128 tokens: lower Tmax/);
  });
});

describe('activation memory: shapes agree with what the reference encoder keeps', () => {
  const tb = makeTinyBert();
  const spec = readEncoderSpec(tb.model);

  it('tiny BERT with a prefix and a prompt', () => {
    const B = 2;
    const T = 6;
    const P = 3; // prefix
    const Q = 2; // prompt
    const W = spec.layers[0].heads * spec.layers[0].headDim;
    const ref = forward(spec, {
      B, T, ids: Array.from({ length: B * T }, (_, i) => 5 + i), mask: Array(B * T).fill(1),
      prefix: { length: P, layers: spec.layers.map(() => ({ k: new Float64Array(B * P * W), v: new Float64Array(B * P * W) })) },
      prompt: { length: Q, data: new Float64Array(B * Q * spec.embedWidth) },
    });
    const acc = encoderActivationBytes(spec, B, T, { recompute: false, prefixLength: P, promptLength: Q });
    const bytes = (name: string) => acc.buffers.find((b) => b.name === name)!.bytes;
    ref.cache.layers.forEach((c, i) => {
      expect(bytes(`layers.${i}.probs`), 'probs').toBe(c.probs.length * 4);
      expect(bytes(`layers.${i}.q`), 'q').toBe(c.q.length * 4);
      expect(bytes(`layers.${i}.k`), 'k (with prefix)').toBe(c.K.length * 4);
      expect(bytes(`layers.${i}.f1`), 'FFN pre-activation').toBe(c.u.length * 4);
      expect(bytes(`layers.${i}.r2`), 'r2').toBe(c.r2.length * 4);
      expect(bytes(`layers.${i}.x`), 'layer input').toBe(c.x.length * 4);
    });
    expect(bytes('tokens')).toBe(ref.tokens.length * 4);
    expect(bytes('embeddings.sum')).toBe(ref.cache.embed.sum.length * 4);
    // post-LN: 14 buffers per layer (q k v probs ctx r1 n2{y,mean,rstd} f1 g r2 n3{mean,rstd}).
    expect(acc.buffers.filter((b) => b.name.startsWith('layers.0.') && b.name !== 'layers.0.x').length).toBe(14);
  });

  it('rejects a bad shape', () => {
    expect(() => encoderActivationBytes(spec, 0, 8, { recompute: true })).toThrow(/B and T must be positive integers/);
  });
});

describe('weight memory', () => {
  it('USE-lite: weights, and for fine-tuning grads + AdamW moments; the word table is the largest buffer', () => {
    const spec = readEncoderSpec(new Uint8Array(readFileSync(USE_LITE)));
    const frozen = encoderWeightBytes(spec, { trainable: false });
    const tuned = encoderWeightBytes(spec, { trainable: true });
    notes.push(`USE-lite weights: ${(frozen.totalBytes / MiB).toFixed(1)} MiB frozen, ${(tuned.totalBytes / MiB).toFixed(1)} MiB with grads + AdamW moments; ` +
      `largest ${frozen.largest.name} ${(frozen.largest.bytes / MiB).toFixed(1)} MiB`);
    expect(frozen.largest).toEqual({ name: 'embeddings.word', shape: [8002, 256], bytes: 8002 * 256 * 4 });
    expect(tuned.totalBytes).toBe(4 * frozen.totalBytes);
    expect(frozen.totalBytes).toBe(specParameterCount(spec) * 4);
    expect(weightLimitError(spec)).toBeNull();
  });

  it('a vocabulary too large for one binding is named', () => {
    const tb = makeTinyBert();
    const spec = readEncoderSpec(tb.model);
    // A multilingual-sized table: 250,002 x 384 floats = 366 MiB.
    const big = { ...spec, embeddings: { ...spec.embeddings, word: { ...spec.embeddings.word, shape: [250002, 384] } } };
    expect(weightLimitError(big)).toMatch(/^weight embeddings\.word \(250002 x 384\) needs 366\.2 MiB, over the device's maxStorageBufferBindingSize of 128\.0 MiB: this model cannot run in the WGSL encoder/);
  });
});
