// A fine-tuned model leaves the studio/CLI two ways, and both must give the GPU FinetuneHead's predictions:
// (1) one combined ONNX (src/export/finetune-onnx.ts: the ORIGINAL model.onnx with the trained weights written
// back + the classifier) run unchanged by onnxruntime-node — probabilities within 1e-4 of the CLI's token-id
// inference (src/train/token-inference.ts), same argmax; tiny BERT single texts and joint pairs (token_type_ids),
// USE-lite pairs side by side (fused q|k|v written back, the encoder run twice); (2) its .safetensors, which
// imports (on the base model's graph) to bit-identical logits, and is refused for another base model or a
// tensor list that does not match the base architecture, each with its own message.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenHeadLogits } from '../../src/train/token-inference';
import type { PairMode } from '../../src/train/token-examples';
import { padBatch } from '../../src/encoder/batching';
import { TextTokenizer } from '../../src/encoder/tokenizer';
import { exportCombinedOnnx } from '../../src/export';
import { sha256Hex } from '../../src/export/combined-onnx';
import { encoderIdentity } from '../../src/encoder/identity';
import type { GpuEngine } from '../../src/gpu/engine';
import { FinetuneHead } from '../../src/heads/finetune';
import { readSafetensors, writeSafetensors } from '../../src/heads/safetensors';
import { exportHead, importHead, type HeadMeta } from '../../src/heads/serialize';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import { mapSpecTensors, type EncoderSpec } from '../../src/model/spec';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { expectClose } from '../helpers/close';
import { testEngine } from '../helpers/gpu';
import { runOnnx } from '../helpers/head-files';
import { randn } from '../helpers/rng';

const L = 3;
const TEXTS = ['The movie was good.', '', 'what a terrible , awful , dull movie and the plot was boring too', 'Great fun!!!', 'bad'];
const PAIRS = [
  { text: 'the movie was good', textPair: 'a great film' },
  { text: 'bad', textPair: '' },
  { text: 'what a terrible , awful , dull movie', textPair: 'the acting was brilliant and the story was moving' },
];

/** "Trained" weights: every encoder tensor moved away from the base model's (so a wrong write-back shows). */
function trainedSpec(base: EncoderSpec, scale: number): EncoderSpec {
  let k = 0;
  return mapSpecTensors(base, (_, t) => {
    k++;
    return Float32Array.from(t.data, (v, i) => v * (1 + 0.05 * Math.sin(i + k)) + scale * Math.cos(0.7 * i + k));
  });
}

function softmax(z: Float32Array): Float64Array {
  const p = new Float64Array(z.length);
  for (let b = 0; b < z.length / L; b++) {
    const row = Array.from(z.subarray(b * L, (b + 1) * L));
    const m = Math.max(...row);
    const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    row.forEach((v, l) => (p[b * L + l] = Math.exp(v - m) / s));
  }
  return p;
}

/** The combined model's path: each side tokenised with tmax, padded on the right, one onnxruntime run. */
async function onnxProbabilities(model: Uint8Array, tok: TextTokenizer, inputs: { text: string; textPair?: string }[], tmax: number, mode: PairMode, typeIds: boolean) {
  const feeds: Record<string, { data: BigInt64Array; dims: number[] }> = {};
  const side = (texts: string[], pairs: (string | undefined)[] | null, suffix: string) => {
    const seqs = texts.map((t, i) => tok.encode(t, pairs ? pairs[i] : undefined, tmax));
    const seq = Math.max(...seqs.map((s) => s.ids.length));
    const b = padBatch(seqs, { indices: seqs.map((_, i) => i), seq }, tok.padId);
    feeds[`input_ids${suffix}`] = { data: b.ids, dims: [b.rows, seq] };
    feeds[`attention_mask${suffix}`] = { data: b.mask, dims: [b.rows, seq] };
    if (typeIds) feeds[`token_type_ids${suffix}`] = { data: b.typeIds, dims: [b.rows, seq] };
  };
  if (mode === 'side-by-side') {
    side(inputs.map((x) => x.text), null, '');
    side(inputs.map((x) => x.textPair ?? ''), null, '_b');
  } else side(inputs.map((x) => x.text), mode === 'pair-input' ? inputs.map((x) => x.textPair) : null, '');
  return (await runOnnx(model, feeds)).probabilities.data;
}

interface Case {
  name: string;
  model: Uint8Array;
  /** The model's tokenizer.json: the encoder identity (src/encoder/identity.ts) covers it. */
  tokenizerJson: unknown;
  tok: TextTokenizer;
  inputs: { text: string; textPair?: string }[];
  tmax: number;
  mode: PairMode;
  typeIds: boolean;
  scale: number;
  /** Also check that the base weights would predict differently (cheap models only). */
  checkMoved?: boolean;
}

/** The encoder's files as the combined export and the identity take them. */
const filesOf = (c: Pick<Case, 'model' | 'tokenizerJson'>) => ({ model: c.model, tokenizerJson: c.tokenizerJson });

async function metaFor(c: Case, encoderName: string): Promise<HeadMeta> {
  return {
    labels: ['a', 'b', 'c'],
    labelTexts: ['a', 'b', 'c'],
    encoder: { name: encoderName, hash: (await encoderIdentity(filesOf(c))).hash },
    tokenizer: { tmax: c.tmax, pair: c.mode },
    training: {},
    metrics: { accuracy: 0, macroF1: 0 },
  };
}

function buildHead(e: GpuEngine, c: Case, base: EncoderSpec): FinetuneHead {
  const spec = trainedSpec(base, c.scale);
  const pair = c.mode === 'side-by-side';
  const pooledWidth = base.pooling?.dense.at(-1)?.out ?? base.hiddenSize;
  const D = (pair ? 4 : 1) * pooledWidth;
  return new FinetuneHead(e, { spec, labels: L, pair, seed: 1, W: randn(D * L, 11, 1), b: randn(L, 12, 0.5) });
}

let maxDiff = 0;

async function checkParity(c: Case, encoderName: string): Promise<void> {
  const e = await testEngine();
  const base = readEncoderSpec(c.model);
  const head = buildHead(e, c, base);
  try {
    const file = await exportHead(head, await metaFor(c, encoderName));
    const want = softmax(await tokenHeadLogits(e, head, c.tok, c.inputs, c.tmax, c.mode, { batchSize: 2 }));
    const combined = await exportCombinedOnnx(filesOf(c), file);
    const got = await onnxProbabilities(combined, c.tok, c.inputs, c.tmax, c.mode, c.typeIds);
    expectClose(got, want, 1e-4, 0, `${c.name} probabilities (ORT vs GPU)`);
    const d = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i])));
    maxDiff = Math.max(maxDiff, d);
    console.info(`[finetune export] ${c.name}: max |prob diff| ORT vs GPU = ${d.toExponential(2)}`);
    const arg = (p: ArrayLike<number>) => c.inputs.map((_, b) => [0, 1, 2].reduce((m, l) => (p[b * L + l] > p[b * L + m] ? l : m), 0));
    expect(arg(got)).toEqual(arg(want));
    // The probabilities are not trivially uniform (the classifier and the trained weights matter).
    expect(Math.max(...Array.from(want))).toBeGreaterThan(0.4);
    if (c.checkMoved) {
      // The same classifier on the BASE weights predicts differently: the export really carries the trained ones.
      const untrained = new FinetuneHead(e, { spec: base, labels: L, pair: c.mode === 'side-by-side', seed: 1, W: randn(head.D * L, 11, 1), b: randn(L, 12, 0.5) });
      const p0 = softmax(await tokenHeadLogits(e, untrained, c.tok, c.inputs, c.tmax, c.mode, { batchSize: 2 }));
      untrained.dispose();
      expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - p0[i])))).toBeGreaterThan(1e-3);
    }
  } finally {
    head.dispose();
  }
}

describe('fine-tuned model as one combined ONNX vs the GPU FinetuneHead', () => {
  const tb = makeTinyBert();
  const tok = TextTokenizer.fromJson('tiny-bert', tb.tokenizerJson, 0);

  it('tiny BERT, single texts, tmax 8 (truncation, the empty text)', async () => {
    await checkParity({ name: 'tiny BERT single', model: tb.model, tokenizerJson: tb.tokenizerJson, tok, inputs: TEXTS.map((text) => ({ text })), tmax: 8, mode: 'none', typeIds: true, scale: 0.02, checkMoved: true }, 'tiny-bert');
  });

  it('tiny BERT, pairs as one joint sequence (token_type_ids), tmax 12', async () => {
    await checkParity({ name: 'tiny BERT joint pairs', model: tb.model, tokenizerJson: tb.tokenizerJson, tok, inputs: PAIRS, tmax: 12, mode: 'pair-input', typeIds: true, scale: 0.02, checkMoved: true }, 'tiny-bert');
  });

  it('USE-lite, pairs side by side (fused q|k|v written back, encoder run twice), tmax 7', async () => {
    const DIR = join(process.cwd(), 'public', 'models', 'use-lite');
    for (const f of ['model.onnx', 'tokenizer.json']) if (!existsSync(join(DIR, f))) throw new Error(`${join(DIR, f)} is missing: generate USE-lite with \`npx tsx tools/convert-use-lite.ts\``);
    const model = new Uint8Array(readFileSync(join(DIR, 'model.onnx')));
    const utokJson = JSON.parse(readFileSync(join(DIR, 'tokenizer.json'), 'utf8'));
    const utok = TextTokenizer.fromJson('use-lite', utokJson);
    await checkParity({ name: 'USE-lite side-by-side', model, tokenizerJson: utokJson, tok: utok, inputs: PAIRS, tmax: 7, mode: 'side-by-side', typeIds: false, scale: 0.002 }, 'use-lite');
    console.info(`[finetune export] max |prob diff| over all cases so far = ${maxDiff.toExponential(2)}`);
  }, 600_000);
});

describe('fine-tuned model as .safetensors: export -> import', () => {
  const tb = makeTinyBert();
  const tok = TextTokenizer.fromJson('tiny-bert', tb.tokenizerJson, 0);
  const c: Case = { name: 'round trip', model: tb.model, tokenizerJson: tb.tokenizerJson, tok, inputs: TEXTS.map((text) => ({ text })), tmax: 8, mode: 'none', typeIds: true, scale: 0.02 };

  it('imports on the base graph to bit-identical logits', async () => {
    const e = await testEngine();
    const base = readEncoderSpec(tb.model);
    const head = buildHead(e, c, base);
    const meta = await metaFor(c, 'tiny-bert');
    const file = await exportHead(head, meta);
    const { head: back, meta: m2 } = importHead(e, file, { encoderHash: meta.encoder.hash, encoderName: 'tiny-bert', encoderSpec: base });
    try {
      expect(back.kind).toBe('finetune');
      expect(m2.tokenizer).toEqual(meta.tokenizer);
      const a = await tokenHeadLogits(e, head, tok, c.inputs, c.tmax, c.mode, { batchSize: 4 });
      const b = await tokenHeadLogits(e, back, tok, c.inputs, c.tmax, c.mode, { batchSize: 4 });
      expect(Array.from(b)).toEqual(Array.from(a));
    } finally {
      head.dispose();
      back.dispose();
    }
  });

  it('refuses a file for another base model and a tensor list that does not match the base architecture', async () => {
    const e = await testEngine();
    const base = readEncoderSpec(tb.model);
    const head = buildHead(e, c, base);
    const meta = await metaFor(c, 'tiny-bert');
    const file = await exportHead(head, meta);
    head.dispose();
    const other = makeTinyBert({ seed: 999 });
    const otherHash = await sha256Hex(other.model);
    expect(() => importHead(e, file, { encoderHash: otherHash, encoderName: 'tiny-bert-999', encoderSpec: readEncoderSpec(other.model) })).toThrow(
      /this head was trained on tiny-bert \(hash [0-9a-f]{12}…\), the loaded encoder is tiny-bert-999 \([0-9a-f]{12}…\) — the hash covers the model, tokenizer and config; load tiny-bert or retrain/,
    );
    // The same file against a 1-layer base whose hash it claims: layer 1's tensors are not part of that base.
    const one = makeTinyBert({ layers: 1 });
    expect(() => importHead(e, file, { encoderHash: meta.encoder.hash, encoderSpec: readEncoderSpec(one.model) })).toThrow(
      /encoder tensor "layers\.1\.q\.W" is not part of the loaded base model \(bert, 1 layers\): a head fine-tuned from another architecture/,
    );
    // A file whose tensor list lacks a tensor of the base architecture.
    const { tensors, metadata } = readSafetensors(file);
    const config = JSON.parse(metadata.config);
    delete config.tensors['layers.1.ln2.beta'];
    delete tensors['param.encoder.layers.1.ln2.beta'];
    const cut = writeSafetensors(tensors, { ...metadata, config: JSON.stringify(config) });
    expect(() => importHead(e, cut, { encoderHash: meta.encoder.hash, encoderSpec: base })).toThrow(/encoder tensor "layers\.1\.ln2\.beta" of the base model is missing from the file/);
    // The combined export refuses the same files with the same reasons.
    await expect(exportCombinedOnnx(filesOf(other), file, { encoderName: 'tiny-bert-999' })).rejects.toThrow(/the model was fine-tuned from tiny-bert \(hash [0-9a-f]{12}…\), this encoder \(tiny-bert-999: model, tokenizer and config\) has hash/);
    await expect(exportCombinedOnnx(filesOf(c), cut)).rejects.toThrow(/encoder tensor "layers\.1\.ln2\.beta" of the base model is missing from the file/);
  });
});
