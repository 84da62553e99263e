// L-Tuning as published (Kowsher et al., arXiv 2402.01643) over the FROZEN WGSL encoder, and the paper's
// baselines, as one head class with four methods (config, init, the pooled-shape reading: ./ltuning-encoder-config.ts;
// float64 oracle: reference/heads/ltuning-encoder.ts):
// - 'lt-prefix' (eq. 1): label states h (cached, unit rms) -> softmax pooling F -> Z -> past keys/values in
//   every layer; the text runs through the encoder with them; classifier c on the pooled output = match score.
// - 'lt-prompt' (eq. 2): e(y) = G(h) prepended to the text's input embeddings; c on the pooled output.
// - 'prefix' / 'prompt': trainable keys/values or soft prompt shared by all texts, no label input; one encoder
//   pass per text and a classifier with one row per label.
// Design decision: the L-Tuning heads score (text, label) PAIRS, one encoder sequence each. A batch may carry a
// pair list (`HeadBatch.pairs`, k labels per text: the match objective's true + one false label), else every
// label is scored (evaluation). Label-side maps run on the L labels once per step and are gathered to the pairs,
// and scores are scattered into logits (B, L) (0 where no pair was scored), both by matmuls with 0/1 matrices
// built on the CPU, so the trainer's loss and metrics see the usual (B, L) logits. No encoder weight has a
// gradient: only the activations' gradients flow back (to the prefix/prompt and from there to F, Z, G).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { attentionBackward, attentionForward, attentionSaved } from '../kernels/attention';
import { biasGrad, matmul, matmulBackward } from '../kernels/matmul';
import { WgslEncoder, type EncoderExtras, type ExtrasGrads } from '../model/encoder';
import type { TokenBatch } from '../model/inputs';
import type { Head, HeadBatch, HeadParam } from './head';
import {
  encoderTuningInit,
  encoderTuningParamSpecs,
  resolveEncoderTuning,
  type EncoderTuningConfig,
  type EncoderTuningMethod,
  type EncoderTuningResolved,
} from './ltuning-encoder-config';

export type { EncoderTuningConfig, EncoderTuningMethod } from './ltuning-encoder-config';

/** The registry's kind of each method. */
export const KIND_OF_METHOD = {
  'lt-prefix': 'ltuning-prefix',
  'lt-prompt': 'ltuning-prompt',
  prefix: 'prefix-tuning',
  prompt: 'prompt-tuning',
} as const;
export type EncoderTuningKind = (typeof KIND_OF_METHOD)[EncoderTuningMethod];

/** The token batch with each text repeated k times (row r = b*k + j). */
export function repeatTextRows(b: TokenBatch, k: number): TokenBatch {
  if (k === 1) return b;
  const R = b.B * k;
  const ids = new Uint32Array(R * b.T);
  const mask = new Float32Array(R * b.T);
  const tokenTypes = b.tokenTypes ? new Uint32Array(R * b.T) : null;
  for (let t = 0; t < b.B; t++)
    for (let j = 0; j < k; j++) {
      const r = t * k + j;
      ids.set(b.ids.subarray(t * b.T, (t + 1) * b.T), r * b.T);
      mask.set(b.mask.subarray(t * b.T, (t + 1) * b.T), r * b.T);
      if (tokenTypes) tokenTypes.set(b.tokenTypes!.subarray(t * b.T, (t + 1) * b.T), r * b.T);
    }
  return { B: R, T: b.T, ids, mask, tokenTypes };
}

interface Step {
  B: number;
  k: number;
  R: number;
  rowLabel: Int32Array;
  /** Tensors of this forward, released by the next forward / dispose. */
  live: GpuTensor[];
  sel: GpuTensor | null; // (R, L) one-hot gather of labels to pairs
  scat: GpuTensor | null; // (B*L, R) one-hot scatter of pair scores to logits
  pooled: GpuTensor; // (R, C')
  score: GpuTensor | null; // (R, 1)
  /** Per-label classifier: row y of C.W for each pair (R, C'). */
  wsel?: GpuTensor;
  extras: EncoderExtras;
  /** lt-prefix: the label pooling's query (L, d), output (L, d), probs; per (layer, k|v) the (L, P*W) label maps. */
  q?: GpuTensor;
  pl?: GpuTensor;
  probs?: GpuTensor;
  labelMaps?: GpuTensor[];
  /** lt-prompt: (L*P, E) label rows through G. */
  eLab?: GpuTensor;
}

export class EncoderTuningHead implements Head {
  readonly kind: EncoderTuningKind;
  readonly labels: number;
  readonly params: HeadParam[];
  readonly config: EncoderTuningResolved;
  readonly encoder: WgslEncoder;
  /** The trainer may hand this head a pair list (k labels per text) instead of scoring all L. */
  readonly scoresPairs: boolean;
  private readonly p: Record<string, HeadParam> = {};
  private readonly consts: GpuTensor[] = [];
  private labTokens: GpuTensor | null = null; // (L, lmax, d)
  private labMask: GpuTensor | null = null; // (L, lmax)
  private onesL: GpuTensor | null = null; // (L, 1)
  private logits: GpuTensor | null = null;
  private step: Step | null = null;

  constructor(
    private readonly e: GpuEngine,
    cfg: EncoderTuningConfig,
    init?: Record<string, ArrayLike<number>>,
  ) {
    const r = (this.config = resolveEncoderTuning(cfg));
    this.kind = KIND_OF_METHOD[r.method];
    this.labels = r.L;
    this.scoresPairs = r.method === 'lt-prefix' || r.method === 'lt-prompt';
    this.encoder = new WgslEncoder(e, r.spec);
    if (this.encoder.pooledWidth !== r.Cp) throw new Error(`${this.kind}: the encoder pools to ${this.encoder.pooledWidth}, the config expects ${r.Cp}`);
    const values = init ? null : encoderTuningInit(r);
    this.params = encoderTuningParamSpecs(r).map(({ name, shape, decay, lrScale }) => {
      const v = init?.[name] ?? values?.[name];
      const n = shape.reduce((a, b) => a * b, 1);
      if (!v || v.length !== n) throw new Error(`${this.kind}: initial ${name} has ${v?.length ?? 0} values, shape [${shape}] needs ${n}`);
      const p: HeadParam = { name, value: e.tensor(shape, `${this.kind}.${name}`, Float32Array.from(v)), grad: e.zeros(shape, `${this.kind}.d${name}`), decay, ...(lrScale ? { lrScale } : {}) };
      this.p[name] = p;
      return p;
    });
    if (this.scoresPairs) {
      this.labTokens = this.own([r.L, r.lmax, r.d], 'labelTokens', Float32Array.from(r.labelTokens));
      this.labMask = this.own([r.L, r.lmax], 'labelMask', Float32Array.from(r.labelMask));
      this.onesL = this.own([r.L, 1], 'onesL', new Float32Array(r.L).fill(1));
    }
  }

  /** (R, P) each pair's prompt-row mask: its label's token mask (rows past a shorter label's length are 0). */
  private promptMaskOf(rowLabel: ArrayLike<number>): Float32Array {
    const { lmax, labelMask } = this.config;
    const out = new Float32Array(rowLabel.length * lmax);
    for (let q = 0; q < rowLabel.length; q++) for (let i = 0; i < lmax; i++) out[q * lmax + i] = labelMask[rowLabel[q] * lmax + i];
    return out;
  }

  private own(shape: number[], label: string, init: Float32Array): GpuTensor {
    const t = this.e.tensor(shape, `${this.kind}.${label}`, init);
    this.consts.push(t);
    return t;
  }

  private releaseStep(): void {
    if (!this.step) return;
    this.encoder.release();
    for (const t of this.step.live) if (!t.isReleased) t.release();
    this.step = null;
  }

  private textRows(batch: HeadBatch): TokenBatch {
    const ids = batch.ids;
    if (!ids) throw new Error(`${this.kind}: the batch carries no token ids (this head runs the encoder on token ids, not cached features)`);
    if (ids.B !== batch.B) {
      throw new Error(`${this.kind}: expected one sequence per example (a pair as one joint sequence), got ${ids.B} for B = ${batch.B}`);
    }
    return ids;
  }

  forward(e: GpuEngine, batch: HeadBatch, train: boolean): GpuTensor {
    this.releaseStep();
    const r = this.config;
    const { L, P, d, E, Cp } = r;
    const B = batch.B;
    const text = this.textRows(batch);
    const live: GpuTensor[] = [];
    const t = (shape: number[], label: string, init?: Float32Array) => {
      const x = e.tensor(shape, `${this.kind}.${label}`, init);
      live.push(x);
      return x;
    };
    if (this.logits?.shape[0] !== B) {
      this.logits?.release();
      this.logits = e.tensor([B, L], `${this.kind}.logits`);
    }
    // Pair bookkeeping and every upload first (an upload flushes recorded work).
    const pairs = this.scoresPairs ? (batch.pairs ?? null) : null;
    const k = this.scoresPairs ? (pairs ? pairs.length / B : L) : 1;
    if (!Number.isInteger(k) || k < 1) throw new Error(`${this.kind}: the pair list has ${pairs?.length} labels for ${B} texts (needs k per text)`);
    const R = B * k;
    const rowLabel = new Int32Array(R);
    let sel: GpuTensor | null = null;
    let scat: GpuTensor | null = null;
    if (this.scoresPairs) {
      const S = new Float32Array(R * L);
      const C = new Float32Array(B * L * R);
      for (let b = 0; b < B; b++) {
        const seen = new Set<number>();
        for (let j = 0; j < k; j++) {
          const y = pairs ? pairs[b * k + j] : j;
          if (!(y >= 0 && y < L) || seen.has(y)) throw new Error(`${this.kind}: pair list entry ${b * k + j} (label ${y}) is out of range or repeats a label of text ${b}`);
          seen.add(y);
          const q = b * k + j;
          rowLabel[q] = y;
          S[q * L + y] = 1;
          C[(b * L + y) * R + q] = 1;
        }
      }
      sel = t([R, L], 'sel', S);
      scat = t([B * L, R], 'scat', C);
    }
    // A joint pair on a model without token types (USE-lite: a ++ b) carries the tokenizer's 0/1 segment ids,
    // which such a model has no rows for: the sequence runs without them.
    const seqs = repeatTextRows(r.spec.embeddings.tokenType ? text : { ...text, tokenTypes: null }, k);
    const extras: EncoderExtras = {};
    const st: Step = { B, k, R, rowLabel, live, sel, scat, pooled: null as unknown as GpuTensor, score: null, extras };
    const m = r.method;
    if (m === 'lt-prefix') {
      // Label pooling: softmax over each label's tokens of F.w . h_i (one query per label), weighted sum.
      st.q = t([L, d], 'q');
      matmul(e, this.onesL!, this.p['F.w'].value, st.q, { M: L, K: 1, N: d, bBatched: false });
      st.pl = t([L, d], 'pooledLabels');
      st.probs = attentionSaved(e, { B: L, Lq: 1, Lk: r.lmax, H: 1, dh: d, scale: 1 }, `${this.kind}.labelProbs`);
      live.push(st.probs);
      attentionForward(e, { q: st.q, k: this.labTokens!, v: this.labTokens!, keyMask: this.labMask, out: st.pl, probs: st.probs }, { B: L, Lq: 1, Lk: r.lmax, H: 1, dh: d, scale: 1 });
      st.labelMaps = [];
      const keys: GpuTensor[] = [];
      const values: GpuTensor[] = [];
      r.widths.forEach((W, l) => {
        for (const kv of ['k', 'v'] as const) {
          const n = P * W;
          const lab = t([L, n], `Z.${l}.${kv}.labels`);
          matmul(e, st.pl!, this.p[`Z.${l}.${kv}.W`].value, lab, { M: L, K: d, N: n, bias: this.p[`Z.${l}.${kv}.b`].value, bBatched: false });
          st.labelMaps!.push(lab);
          const pre = t([R, P, W], `prefix.${l}.${kv}`);
          matmul(e, sel!, lab, pre, { M: R, K: L, N: n, bBatched: false });
          (kv === 'k' ? keys : values).push(pre);
        }
      });
      extras.prefix = { P, keys, values, shared: false };
    } else if (m === 'lt-prompt') {
      st.eLab = t([L * P, E], 'labelRows');
      matmul(e, this.labTokens!, this.p['G.W'].value, st.eLab, { M: L * P, K: d, N: E, bias: this.p['G.b'].value, bBatched: false });
      const prompt = t([R, P, E], 'prompt');
      matmul(e, sel!, st.eLab, prompt, { M: R, K: L, N: P * E, bBatched: false });
      extras.prompt = { P, value: prompt, shared: false, poolText: r.promptPooling === 'text', mask: r.promptPooling === 'text' ? this.promptMaskOf(rowLabel!) : null };
    } else if (m === 'prefix') {
      extras.prefix = {
        P,
        keys: r.widths.map((_, l) => this.p[`prefix.${l}.k`].value),
        values: r.widths.map((_, l) => this.p[`prefix.${l}.v`].value),
        shared: true,
      };
    } else {
      extras.prompt = { P, value: this.p.prompt.value, shared: true, poolText: r.promptPooling === 'text' };
    }
    const fwd = this.encoder.forward(seqs, train, extras);
    st.pooled = fwd.pooled;
    if (this.scoresPairs) {
      st.score = t([R, 1], 'score');
      if (r.classifier === 'shared') {
        matmul(e, fwd.pooled, this.p['C.W'].value, st.score, { M: R, K: Cp, N: 1, bias: this.p['C.b'].value, bBatched: false });
      } else {
        // row y of the classifier for pair q = (text, y): wsel (R, Cp) = sel (R, L) C.W^T; s_q = pooled_q . wsel_q + C.b[y]
        st.wsel = t([R, Cp], 'classifierRows');
        matmul(e, sel!, this.p['C.W'].value, st.wsel, { M: R, K: L, N: Cp, transB: true, bBatched: false });
        matmul(e, fwd.pooled, st.wsel, st.score, { batch: R, M: 1, K: Cp, N: 1 });
        matmul(e, sel!, this.p['C.b'].value, st.score, { M: R, K: L, N: 1, bBatched: false, accumulate: true });
      }
      matmul(e, scat!, st.score, this.logits, { M: B * L, K: R, N: 1, bBatched: false });
    } else {
      matmul(e, fwd.pooled, this.p['C.W'].value, this.logits, { M: B, K: Cp, N: L, bias: this.p['C.b'].value, bBatched: false });
    }
    this.step = st;
    return this.logits;
  }

  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void {
    const st = this.step;
    if (!st) throw new Error(`${this.kind}.backward: no forward to differentiate`);
    const r = this.config;
    const { L, P, d, E, Cp } = r;
    const { B, R, live } = st;
    if (batch.B !== B) throw new Error(`${this.kind}.backward: the batch has ${batch.B} examples, the forward had ${B}`);
    const t = (shape: number[], label: string) => {
      const x = e.tensor(shape, `${this.kind}.${label}`);
      live.push(x);
      return x;
    };
    const CW = this.p['C.W'];
    const Cb = this.p['C.b'];
    const dPooled = t([R, Cp], 'dPooled');
    if (this.scoresPairs) {
      const dS = t([R, 1], 'dScore');
      // dS (R, 1) = scat^T (R, B*L) dLogits (B*L, 1)
      matmul(e, st.scat!, dLogits, dS, { M: R, K: B * L, N: 1, transA: true, bBatched: false });
      if (r.classifier === 'shared') {
        matmulBackward(e, { A: st.pooled, B: CW.value, dY: dS, dA: dPooled, dB: CW.grad }, { M: R, K: Cp, N: 1, bBatched: false, accumulateDB: true });
        biasGrad(e, dS, Cb.grad, { rows: R, N: 1 });
      } else {
        const dWsel = t([R, Cp], 'dClassifierRows');
        matmul(e, dS, st.wsel!, dPooled, { batch: R, M: 1, K: 1, N: Cp, transB: true }); // dPooled_q = dS_q wsel_q
        matmul(e, dS, st.pooled, dWsel, { batch: R, M: 1, K: 1, N: Cp }); // dWsel_q = dS_q pooled_q
        matmul(e, dWsel, st.sel!, CW.grad, { M: Cp, K: R, N: L, transA: true, bBatched: false, accumulate: true });
        matmul(e, st.sel!, dS, Cb.grad, { M: L, K: R, N: 1, transA: true, bBatched: false, accumulate: true });
      }
    } else {
      matmulBackward(e, { A: st.pooled, B: CW.value, dY: dLogits, dA: dPooled, dB: CW.grad }, { M: B, K: Cp, N: L, bBatched: false, accumulateDB: true });
      biasGrad(e, dLogits, Cb.grad, { rows: B, N: L });
    }
    const m = r.method;
    const grads: ExtrasGrads = {};
    if (m === 'lt-prefix') {
      grads.dPrefixKeys = r.widths.map((W, l) => t([R, P, W], `dprefix.${l}.k`));
      grads.dPrefixValues = r.widths.map((W, l) => t([R, P, W], `dprefix.${l}.v`));
    } else if (m === 'lt-prompt') grads.dPrompt = t([R, P, E], 'dPrompt');
    else if (m === 'prefix') {
      grads.dPrefixKeys = r.widths.map((_, l) => this.p[`prefix.${l}.k`].grad);
      grads.dPrefixValues = r.widths.map((_, l) => this.p[`prefix.${l}.v`].grad);
      grads.accumulate = true;
    } else {
      grads.dPrompt = this.p.prompt.grad;
      grads.accumulate = true;
    }
    this.encoder.backward(null, dPooled, false, grads);
    if (m === 'lt-prefix') {
      const dPl = t([L, d], 'dPooledLabels');
      e.clear(dPl);
      r.widths.forEach((W, l) => {
        for (const kv of ['k', 'v'] as const) {
          const n = P * W;
          const dPre = (kv === 'k' ? grads.dPrefixKeys! : grads.dPrefixValues!)[l];
          const dLab = t([L, n], `dZ.${l}.${kv}.labels`);
          // dLab (L, n) = sel^T (L, R) dPre (R, n)
          matmul(e, st.sel!, dPre, dLab, { M: L, K: R, N: n, transA: true, bBatched: false });
          const Z = this.p[`Z.${l}.${kv}.W`];
          matmulBackward(e, { A: st.pl!, B: Z.value, dY: dLab, dA: dPl, dB: Z.grad }, { M: L, K: d, N: n, bBatched: false, accumulateDA: true, accumulateDB: true });
          biasGrad(e, dLab, this.p[`Z.${l}.${kv}.b`].grad, { rows: L, N: n });
        }
      });
      const shape = { B: L, Lq: 1, Lk: r.lmax, H: 1, dh: d, scale: 1 };
      const dQ = t([L, d], 'dq');
      const dK = t([L, r.lmax, d], 'dLabelK');
      const dV = t([L, r.lmax, d], 'dLabelV');
      attentionBackward(e, { q: st.q!, k: this.labTokens!, v: this.labTokens!, probs: st.probs!, dOut: dPl, dQ, dK, dV }, shape);
      biasGrad(e, dQ, this.p['F.w'].grad, { rows: L, N: d });
    } else if (m === 'lt-prompt') {
      const dLab = t([L * P, E], 'dLabelRows');
      matmul(e, st.sel!, grads.dPrompt!, dLab, { M: L, K: R, N: P * E, transA: true, bBatched: false });
      const G = this.p['G.W'];
      matmulBackward(e, { A: this.labTokens!, B: G.value, dY: dLab, dA: null, dB: G.grad }, { M: L * P, K: d, N: E, bBatched: false, accumulateDB: true });
      biasGrad(e, dLab, this.p['G.b'].grad, { rows: L * P, N: E });
    }
  }

  dispose(): void {
    this.releaseStep();
    this.encoder.dispose();
    for (const p of this.params) {
      p.value.release();
      p.grad.release();
    }
    for (const c of this.consts) c.release();
    this.logits?.release();
    this.logits = null;
  }
}
