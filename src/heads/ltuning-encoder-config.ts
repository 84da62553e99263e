// Configuration, parameter list and seeded initialisation of the four heads that tune the FROZEN WGSL encoder
// (./ltuning-encoder.ts; float64 oracle reference/heads/ltuning-encoder.ts): L-Tuning as published (Kowsher et
// al., arXiv 2402.01643) — 'lt-prefix' (eq. 1, A.2-A.5) and 'lt-prompt' (eq. 2) — and the paper's baselines,
// plain 'prefix' tuning and 'prompt' tuning. Shared by the GPU heads and the references so both start from the
// same numbers.
// Design decisions a reader must know:
// - Pooled shape: the paper's F pooling is read as R^d (softmax over the label's l tokens of a linear d -> 1
//   score, then the weighted SUM of the token states, a d-vector); Z is then an affine map d -> P*(k|v width)
//   per layer. A.5's count 2 l^2 m d + 3d corresponds to the R^l reading (Z: R^l -> R^{2 m l d}); ours is
//   d + 2 d P sum_l W_l + 2 P sum_l W_l + (C'+1) (`encoderTuningParamCount`). F's bias is left out: a softmax
//   ignores a shift shared by all tokens.
// - Label token states h = M(y) are normalised to unit rms per token (constant, frozen) before any trainable map:
//   USE-lite's states have norms ~30-45, which made the first L-Tuning heads collapse (DESIGN.md §1).
// - Classifier: every head has one classifier row (and bias) per label on the encoder's pooled output, the SAME
//   classifier for the L-Tuning heads and the baselines (the paper compares them with one classifier). The
//   baselines score all L labels from one pass per text; an L-Tuning head scores the pair (text, label y) on
//   the pass conditioned on y with row y: s = pooled(text; y) . C.W[:, y] + C.b[y]. Files from before this
//   (config without `classifier`) hold ONE shared row for the L-Tuning heads ('shared') and load as such.
//   Why: with one shared row the label prior of the true pairs (e.g. 64% positive) can only be learned through
//   the prefix/prompt, and that is what the first steps learned: a constant predictor (notes/hl.md).
// - Learning rates: the label maps Z.W and G.W train at lr / d (`lrScale`): Adam moves every weight by ~lr per
//   step, and a fan-in-d map of unit-rms label states then moves its output by ~lr * d (0.5 per step on USE-lite
//   at lr 1e-3, against prefix values of rms 1) — the label prefix jumped to the label prior in a step or two.
//   At lr / d the prefix/prompt moves ~lr per step, as the baselines' own prefix/prompt rows do.
// - lt-prompt: G maps the label states (width d = hiddenSize) to the encoder's INPUT width E (USE-lite: 512 ->
//   256); the prompt length is the longest label's token count.
// - Prompt rows and pooling (`promptPooling`, both prompt methods): 'text' (new heads) masks a shorter label's
//   extra prompt rows like padding (lt-prompt) and pools the encoder's output over the TEXT rows only, the way a
//   decoder LLM's classifier reads the text's last token (the paper's LLMs) — the prompt acts on the text
//   through attention. Measured on USE-lite (notes/hl2.md): pooled over every row, the prompt row's output
//   (rms 3.5 vs 2.2 for text rows) made the pooled vector mostly label (cos 0.82 to the text's own pooled
//   vector) and lt-prompt did not learn. 'all' = every prompt row attended and pooled: files without the key.
import { seededNormals } from './init';
import type { EncoderSpec } from '../model/spec';

export type EncoderTuningMethod = 'lt-prefix' | 'lt-prompt' | 'prefix' | 'prompt';

/** One label's token states through the frozen encoder: (length, hiddenSize) row-major. */
export interface LabelStates {
  tokens: ArrayLike<number>;
  length: number;
}

export interface EncoderTuningConfig {
  method: EncoderTuningMethod;
  spec: EncoderSpec;
  labels: number;
  /** Prefix length per layer (lt-prefix, prefix) or soft-prompt length (prompt); ignored by lt-prompt. */
  P?: number;
  /** Label token states, one per label (lt-prefix, lt-prompt). */
  labelStates?: LabelStates[];
  /** L-Tuning heads: 'per-label' classifier rows (default) or one 'shared' row (files from before it). */
  classifier?: EncoderTuningClassifier;
  /** Prompt methods: 'text' (default; masked short-label rows, pooling over text rows) or 'all' (older files). */
  promptPooling?: PromptPooling;
  seed?: number;
}

export type PromptPooling = 'text' | 'all';

export type EncoderTuningClassifier = 'per-label' | 'shared';

export interface EncoderTuningResolved {
  method: EncoderTuningMethod;
  spec: EncoderSpec;
  L: number;
  /** Prefix / prompt rows (lt-prompt: lmax). */
  P: number;
  seed: number;
  /** Label state width (hiddenSize). */
  d: number;
  /** Encoder input width (prompt rows). */
  E: number;
  /** Pooled width C'. */
  Cp: number;
  /** Per layer heads*headDim (prefix key/value width). */
  widths: number[];
  /** Classifier rows: one per label, or one shared by all labels (L-Tuning files from before per-label rows). */
  classifier: EncoderTuningClassifier;
  /** See the header: how prompt rows are masked and pooled ('text' for the prefix methods, which have none). */
  promptPooling: PromptPooling;
  /** (L, lmax, d) unit-rms label states, zero rows past each label's length; (L, lmax) mask. lmax 0 for baselines. */
  lmax: number;
  labelTokens: Float64Array;
  labelMask: Float64Array;
}

export const ENCODER_TUNING_DEFAULT_P = 4;

/** The pooled width of the encoder (its own pooling's last dense layer, else hiddenSize: the masked mean). */
export function pooledWidthOf(spec: EncoderSpec): number {
  const dense = spec.pooling?.dense ?? [];
  return dense.length ? dense[dense.length - 1].out : spec.hiddenSize;
}

export function resolveEncoderTuning(c: EncoderTuningConfig): EncoderTuningResolved {
  const { method, spec } = c;
  const what = `${method} head`;
  const L = c.labels;
  if (!Number.isInteger(L) || L < 2) throw new Error(`${what}: needs at least 2 labels, got ${L}`);
  const d = spec.hiddenSize;
  const lt = method === 'lt-prefix' || method === 'lt-prompt';
  let lmax = 0;
  let labelTokens = new Float64Array(0);
  let labelMask = new Float64Array(0);
  if (lt) {
    const ls = c.labelStates;
    if (!ls || ls.length !== L) throw new Error(`${what}: needs the token states of each of the ${L} label texts (got ${ls?.length ?? 0})`);
    ls.forEach((s, l) => {
      if (!Number.isInteger(s.length) || s.length < 1) throw new Error(`${what}: label ${l}'s text has no tokens`);
      if (s.tokens.length < s.length * d) throw new Error(`${what}: label ${l} has ${s.tokens.length} state values, ${s.length} tokens x width ${d} need ${s.length * d}`);
    });
    lmax = Math.max(...ls.map((s) => s.length));
    labelTokens = new Float64Array(L * lmax * d);
    labelMask = new Float64Array(L * lmax);
    ls.forEach((s, l) => {
      for (let i = 0; i < s.length; i++) {
        let ss = 0;
        for (let j = 0; j < d; j++) ss += Number(s.tokens[i * d + j]) ** 2;
        const inv = 1 / Math.sqrt(Math.max(ss / d, 1e-12));
        const o = (l * lmax + i) * d;
        for (let j = 0; j < d; j++) labelTokens[o + j] = Math.fround(Number(s.tokens[i * d + j]) * inv);
        labelMask[l * lmax + i] = 1;
      }
    });
  }
  const P = method === 'lt-prompt' ? lmax : (c.P ?? ENCODER_TUNING_DEFAULT_P);
  const classifier = c.classifier ?? 'per-label';
  if (classifier !== 'per-label' && (classifier !== 'shared' || !lt)) throw new Error(`${what}: classifier must be "per-label"${lt ? ' or "shared"' : ''}, got ${JSON.stringify(classifier)}`);
  const promptPooling = c.promptPooling ?? 'text';
  if (promptPooling !== 'text' && (promptPooling !== 'all' || !method.endsWith('prompt'))) throw new Error(`${what}: promptPooling must be "text"${method.endsWith('prompt') ? ' or "all"' : ''}, got ${JSON.stringify(promptPooling)}`);
  if (!Number.isInteger(P) || P < 1 || P > 256) throw new Error(`${what}: prefix/prompt length P must be an integer in [1, 256], got ${P}`);
  return {
    method,
    spec,
    L,
    P,
    seed: c.seed ?? 0,
    d,
    E: spec.embedWidth,
    Cp: pooledWidthOf(spec),
    widths: spec.layers.map((x) => x.heads * x.headDim),
    classifier,
    promptPooling,
    lmax,
    labelTokens,
    labelMask,
  };
}

export interface ParamSpec {
  name: string;
  shape: number[];
  decay: boolean;
  /** Learning-rate multiplier (the label maps: 1/d, see the header); default 1. */
  lrScale?: number;
}

/** Every trainable tensor, in a fixed order. */
export function encoderTuningParamSpecs(r: EncoderTuningResolved): ParamSpec[] {
  const out: ParamSpec[] = [];
  const { d, E, Cp, P, L } = r;
  switch (r.method) {
    case 'lt-prefix':
      out.push({ name: 'F.w', shape: [d], decay: false });
      r.widths.forEach((W, l) => {
        for (const kv of ['k', 'v']) {
          out.push({ name: `Z.${l}.${kv}.W`, shape: [d, P * W], decay: true, lrScale: 1 / d });
          out.push({ name: `Z.${l}.${kv}.b`, shape: [P * W], decay: false });
        }
      });
      break;
    case 'lt-prompt':
      out.push({ name: 'G.W', shape: [d, E], decay: true, lrScale: 1 / d }, { name: 'G.b', shape: [E], decay: false });
      break;
    case 'prefix':
      r.widths.forEach((W, l) => {
        for (const kv of ['k', 'v']) out.push({ name: `prefix.${l}.${kv}`, shape: [P, W], decay: false });
      });
      break;
    case 'prompt':
      out.push({ name: 'prompt', shape: [P, E], decay: false });
      break;
  }
  const N = r.classifier === 'shared' ? 1 : L;
  out.push({ name: 'C.W', shape: [Cp, N], decay: true }, { name: 'C.b', shape: [N], decay: false });
  return out;
}

/** Trainable parameters of a head (the number beside A.5's formula in the notes). */
export function encoderTuningParamCount(r: EncoderTuningResolved): number {
  return encoderTuningParamSpecs(r).reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** A.5's formula 2 l^2 m d + 3d for this encoder (l = longest label, m = layers, d = hiddenSize), for comparison. */
export function paperPrefixParamCount(r: EncoderTuningResolved): number {
  const m = r.spec.layers.length;
  return 2 * r.lmax * r.lmax * m * r.d + 3 * r.d;
}

function rms(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s / Math.max(1, a.length));
}

/**
 * Seeded initial values, each rounded through float32. Unit-scale maps of unit-rms inputs: Z gives prefix
 * keys/values of rms ~1, G gives prompt rows at the word embeddings' own rms, the soft prompt starts as P random
 * vocabulary rows (Lester et al.), plain prefixes N(0, 1); F starts at 0 (uniform pooling over the label's
 * tokens); the classifier starts near zero, as a Hugging Face classification head (N(0, 0.02^2)): scores of
 * std ~0.02 (0.02 on an L2-normalised pooled vector, 0.02/sqrt(C') otherwise), bias 0. Measured (notes/hl2.md):
 * with unit-std rows the random projection of the pooled vector decided the predictions for the whole of a short
 * run (Adam moves each weight ~lr per step; 12 steps at lr 1e-2 cannot undo N(0, 1)), on every method.
 */
export function encoderTuningInit(r: EncoderTuningResolved): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  const wordRms = rms(r.spec.embeddings.word.data) * r.spec.embeddings.wordScale;
  const cStd = 0.02 * (r.spec.pooling?.l2 ? 1 : 1 / Math.sqrt(r.Cp));
  encoderTuningParamSpecs(r).forEach((p, i) => {
    const n = p.shape.reduce((a, b) => a * b, 1);
    const seed = (r.seed * 1000003 + 7919 * (i + 1)) >>> 0;
    let v: Float64Array;
    if (p.name === 'F.w' || p.name.endsWith('.b')) v = new Float64Array(n);
    else if (p.name.startsWith('Z.')) v = seededNormals(n, seed, 1 / Math.sqrt(r.d));
    else if (p.name === 'G.W') v = seededNormals(n, seed, wordRms / Math.sqrt(r.d));
    else if (p.name.startsWith('prefix.')) v = seededNormals(n, seed, 1);
    else if (p.name === 'prompt') {
      const { word, wordScale } = r.spec.embeddings;
      const V = word.shape[0];
      const E = r.E;
      v = new Float64Array(n);
      const pick = seededNormals(r.P, seed, 1);
      for (let j = 0; j < r.P; j++) {
        const row = Math.floor(((Math.abs(pick[j]) * 7919.37) % 1) * (V - 1)) + 1;
        for (let k = 0; k < E; k++) v[j * E + k] = Math.fround(word.data[row * E + k] * wordScale);
      }
    } else v = seededNormals(n, seed, cStd); // C.W
    out[p.name] = v;
  });
  return out;
}
