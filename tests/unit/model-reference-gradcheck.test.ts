// Whole-encoder gradient check of the float64 reference encoder (reference/model/encoder.ts) against central
// finite differences, through the token states AND the pooled output (L = <tokens, wT> + <pooled, wP>), with a
// padded row in the batch:
//  - the tiny BERT (2 layers, read by readEncoderSpec from its ONNX graph, plus a mean -> dense -> tanh -> L2
//    pooling tail so the pooled path is covered), with and without an L-Tuning prefix and prompt;
//  - a small hand-made USE-lite-shaped spec (pre-LN, width-changing first layer with a projected skip, ReLU,
//    sinusoid positions from cumsum with the maxTokens clip active, word scale 2, left padding).
// Checked: EVERY weight tensor (a few sampled entries each, used rows for embedding tables), the summed
// embeddings, every layer's input (intermediate activations), the prompt and every layer's prefix keys/values.
import { describe, expect, it } from 'vitest';
import { compareGrads, dot } from '../../reference/gradcheck';
import { backward, forward, referenceParams, type ReferenceInput } from '../../reference/model/encoder';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import { specTensors, type EncoderLayerSpec, type EncoderSpec, type LinearSpec, type Tensor } from '../../src/model/spec';
import { makeTinyBert } from '../../tools/make-tiny-bert';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const gauss = (r: () => number) => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
const randArray = (n: number, r: () => number, std = 1) => Float64Array.from({ length: n }, () => std * gauss(r));

let tensorCount = 0;
function tensor(shape: number[], r: () => number, std: number, mean = 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { data: Float32Array.from({ length: n }, () => mean + std * gauss(r)), shape, source: { name: `synthetic.${tensorCount++}`, dims: shape } };
}
const linear = (i: number, o: number, r: () => number): LinearSpec => ({ W: tensor([i, o], r, 1 / Math.sqrt(i)), b: tensor([o], r, 0.1), in: i, out: o });
const norm = (d: number, r: () => number, eps: number) => ({ gamma: tensor([d], r, 0.1, 1), beta: tensor([d], r, 0.1), eps });

/** The scalar loss and the upstream gradients for it. */
function probe(spec: EncoderSpec, input: ReferenceInput, seed: number) {
  const f0 = forward(spec, input);
  const r = rng(seed);
  const wT = randArray(f0.tokens.length, r);
  const wP = f0.pooled ? randArray(f0.pooled.length, r) : null;
  const loss = (inp: ReferenceInput) => {
    const f = forward(spec, inp);
    return dot(f.tokens, wT) + (wP ? dot(f.pooled!, wP) : 0);
  };
  return { f0, wT, wP, loss };
}

const EPS = 1e-5;

/** Central differences of `loss` at sampled entries of x (restored), compared to analytic[idx]. */
function check(what: string, x: Float64Array, analytic: Float64Array, idx: number[], loss: () => number, allowZero = false) {
  const num: number[] = [];
  const ana: number[] = [];
  for (const i of idx) {
    const old = x[i];
    x[i] = old + EPS;
    const lp = loss();
    x[i] = old - EPS;
    const lm = loss();
    x[i] = old;
    num.push((lp - lm) / (2 * EPS));
    ana.push(analytic[i]);
  }
  const res = compareGrads(ana, num, 1e-7, 1e-5);
  expect(res.ok, `${what}: worst |err| ${res.maxAbsErr.toExponential(2)} at sample ${res.worstIndex} (analytic ${ana[res.worstIndex]}, numeric ${num[res.worstIndex]})`).toBe(true);
  // A check where every sampled gradient is zero proves nothing.
  if (!allowZero) expect(num.some((v) => Math.abs(v) > 1e-9), `${what}: all sampled gradients are zero`).toBe(true);
}

function sample(n: number, k: number, r: () => number, pool?: number[]): number[] {
  const out = new Set<number>();
  while (out.size < Math.min(k, n)) out.add(pool ? pool[Math.floor(r() * pool.length)] : Math.floor(r() * n));
  return [...out];
}

/** Rows of a (rows, width) table that the batch reads, as flat entry indices. */
const rowEntries = (rows: number[], width: number) => [...new Set(rows)].flatMap((row) => Array.from({ length: width }, (_, c) => row * width + c));

function checkAll(spec: EncoderSpec, input: ReferenceInput, seed: number) {
  const params = referenceParams(spec);
  const inp: ReferenceInput = { ...input, params };
  const { f0, wT, wP, loss } = probe(spec, inp, seed);
  const g = backward(f0.cache, wT, wP);
  const r = rng(seed + 1);
  const E = spec.embedWidth;
  const L = f0.L;
  let checked = 0;
  for (const { name, tensor: t } of specTensors(spec)) {
    const x = params.get(name)!;
    const width = t.shape[t.shape.length - 1];
    let pool: number[] | undefined;
    if (name === 'embeddings.word') pool = rowEntries(Array.from(input.ids), E);
    if (name === 'embeddings.position') pool = rowEntries(Array.from({ length: L }, (_, i) => i), E);
    if (name === 'embeddings.tokenType') pool = rowEntries(Array.from(input.tokenTypeIds ?? [0]), width);
    // The key bias shifts every score of a query row by the same amount, which the softmax ignores: its gradient
    // is exactly 0 unless prefix keys (which carry no bias) share the softmax.
    const zero = /\.k\.b$/.test(name) && !input.prefix;
    check(`weight ${name}`, x, g.dWeights.get(name)!, sample(x.length, 4, r, pool), () => loss(inp), zero);
    if (zero) expect(Math.max(...g.dWeights.get(name)!.map(Math.abs)), `${name}: analytic gradient`).toBeLessThan(1e-12);
    expect(g.dWeights.get(name)!.length, `${name}: gradient size`).toBe(t.data.length);
    checked++;
  }
  expect(checked).toBe(specTensors(spec).length);
  expect([...g.dWeights.keys()].sort()).toEqual(specTensors(spec).map((t) => t.name).sort());
  // Intermediate activations: the summed embeddings and every layer's input.
  const dEmb = new Float64Array(input.B * L * E);
  check('summed embeddings', dEmb, g.dEmbeddings, sample(dEmb.length, 8, r), () => loss({ ...inp, delta: { embeddings: dEmb } }));
  spec.layers.forEach((s: EncoderLayerSpec, i) => {
    const d = new Float64Array(input.B * L * s.inWidth);
    const layers: (Float64Array | null)[] = spec.layers.map(() => null);
    layers[i] = d;
    check(`layer ${i} input`, d, g.dLayerInputs[i], sample(d.length, 8, r), () => loss({ ...inp, delta: { layers } }));
  });
  if (input.prompt) check('prompt', input.prompt.data, g.dPrompt!, sample(input.prompt.data.length, 8, r), () => loss(inp));
  input.prefix?.layers.forEach((kv, i) => {
    check(`layer ${i} prefix keys`, kv.k, g.dPrefix![i].k, sample(kv.k.length, 6, r), () => loss(inp));
    check(`layer ${i} prefix values`, kv.v, g.dPrefix![i].v, sample(kv.v.length, 6, r), () => loss(inp));
  });
}

describe('reference encoder gradients: tiny BERT (every weight, activations, prefix, prompt)', () => {
  const tb = makeTinyBert({ hidden: 8, heads: 2, intermediate: 12, layers: 2, maxPositions: 12 });
  const r = rng(5);
  const read = readEncoderSpec(tb.model);
  const spec: EncoderSpec = { ...read, pooling: { kind: 'mean', minCount: 1, dense: [linear(8, 6, r)], l2: { eps: 1e-12 } } };
  // Row 0: 5 tokens; row 1: 3 tokens + 2 padding. Token types on the second half of row 0.
  const base: ReferenceInput = { B: 2, T: 5, ids: [2, 40, 17, 99, 3, 2, 61, 3, 0, 0], mask: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0], tokenTypeIds: [0, 0, 0, 1, 1, 0, 0, 0, 0, 0] };

  it('plain batch with padding', () => checkAll(spec, base, 11), 120_000);

  it('with a prefix (2 keys/values per layer) and a prompt (2 vectors)', () => {
    const W = spec.layers[0].heads * spec.layers[0].headDim;
    const prefix = { length: 2, layers: spec.layers.map(() => ({ k: randArray(2 * 2 * W, r), v: randArray(2 * 2 * W, r) })) };
    const prompt = { length: 2, data: randArray(2 * 2 * spec.embedWidth, r) };
    checkAll(spec, { ...base, prefix, prompt }, 12);
  }, 120_000);
});

describe('reference encoder gradients: a USE-lite-shaped spec (pre-LN, projected skip, ReLU, sinusoid, clip)', () => {
  const r = rng(9);
  const E = 8;
  const C = 12;
  const V = 20;
  const layer = (inW: number, heads: number, headDim: number, skip: boolean): EncoderLayerSpec => ({
    norm: 'pre', inWidth: inW, outWidth: C, heads, headDim, scale: 1 / Math.sqrt(headDim),
    q: linear(inW, heads * headDim, r), k: linear(inW, heads * headDim, r), v: linear(inW, heads * headDim, r),
    attnOut: linear(heads * headDim, C, r), skip: skip ? linear(inW, C, r) : null, ln1: norm(inW, r, 1e-6),
    ffnIn: linear(C, 16, r), activation: 'relu', ffnOut: linear(16, C, r), ln2: norm(C, r, 1e-6),
  });
  const spec: EncoderSpec = {
    family: 'use-lite', vocabSize: V, embedWidth: E, hiddenSize: C, maxTokens: 4, maskBias: -1e9,
    embeddings: {
      word: tensor([V, E], r, 1), wordScale: 2,
      position: { kind: 'sinusoid', invTimescales: Float64Array.from([1, 0.3, 0.1, 0.03]), order: 'sin-cos', scale: 1 },
      positionFrom: 'cumsum', tokenType: null, norm: null,
    },
    layers: [layer(E, 2, 4, true), layer(C, 2, 6, false)],
    pooling: { kind: 'mean', minCount: 1, dense: [linear(C, C, r)], l2: { eps: 1e-12 } },
    io: { inputIds: 'input_ids', attentionMask: 'attention_mask', tokenTypeIds: null, tokens: 'last_hidden_state', pooled: 'sentence_embedding' },
  };
  // Row 0: 5 tokens (the 5th is past maxTokens = 4 and masked out); row 1: left padding then 3 tokens.
  const base: ReferenceInput = { B: 2, T: 5, ids: [1, 7, 12, 5, 19, 0, 0, 3, 8, 14], mask: [1, 1, 1, 1, 1, 0, 0, 1, 1, 1] };

  it('masks the token past maxTokens and positions left-padded rows from their first token', () => {
    const f = forward(spec, base);
    expect(Array.from(f.keep)).toEqual([1, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
    expect(Array.from(f.cache.embed.positions)).toEqual([0, 1, 2, 3, 4, -1, -1, 0, 1, 2]);
  });

  it('plain batch', () => checkAll(spec, base, 21), 120_000);

  it('with a prefix and a prompt', () => {
    const prefix = { length: 1, layers: spec.layers.map((l) => ({ k: randArray(2 * l.heads * l.headDim, r), v: randArray(2 * l.heads * l.headDim, r) })) };
    const prompt = { length: 1, data: randArray(2 * E, r) };
    checkAll(spec, { ...base, prefix, prompt }, 22);
  }, 120_000);
});
