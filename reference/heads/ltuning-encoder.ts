// The four frozen-encoder tuning heads (src/heads/ltuning-encoder.ts: LT-prefix, LT-prompt, plain prefix and
// prompt tuning) in float64 over the float64 reference encoder, forward and backward: the oracle for the GPU
// heads. Config, parameters and init: src/heads/ltuning-encoder-config.ts.
// Design decision: the L-Tuning heads score a list of (text, label) pairs — `pairs` holds k label ids per text
// (row r = b*k + j is text b with label pairs[r]); each pair is one encoder sequence — and write each score into
// logits (B, L) at [b, label], 0 elsewhere; without a pair list every label is scored (k = L). The baselines run
// each text once and give all L logits whatever the pair list says.
import { backward as refBackward, forward as refForward, type PrefixKV } from '../model/encoder';
import type { EncoderTuningResolved } from '../../src/heads/ltuning-encoder-config';

export interface RefTextBatch {
  B: number;
  T: number;
  /** (B, T) */
  ids: ArrayLike<number>;
  mask: ArrayLike<number>;
  tokenTypes?: ArrayLike<number> | null;
}

type P = Record<string, Float64Array>;

export interface EncoderTuningRefCache {
  r: EncoderTuningResolved;
  p: P;
  B: number;
  /** Label of each encoder row (LT heads) or null (baselines: one row per text). */
  rowLabel: Int32Array | null;
  k: number;
  /** (L, d) pooled label vectors and (L, lmax) their softmax weights (lt-prefix). */
  pooledLabels: Float64Array | null;
  attn: Float64Array | null;
  /** (R, C') the classifier's input. */
  pooled: Float64Array;
  /** Per layer prefix keys/values actually fed (lt-prefix), for the Z gradients. */
  enc: ReturnType<typeof refForward>;
  /** Pooled output is the app's masked mean (the model has no pooling of its own). */
  meanPooled: boolean;
}

/** Expand the pair list: k labels per text (all L when `pairs` is null). */
export function pairRows(B: number, L: number, pairs: ArrayLike<number> | null): { k: number; rowLabel: Int32Array } {
  if (!pairs) {
    const rowLabel = new Int32Array(B * L);
    for (let b = 0; b < B; b++) for (let y = 0; y < L; y++) rowLabel[b * L + y] = y;
    return { k: L, rowLabel };
  }
  if (pairs.length % B !== 0 || pairs.length === 0) throw new Error(`pair list: ${pairs.length} labels for ${B} texts (needs k per text)`);
  const k = pairs.length / B;
  const rowLabel = Int32Array.from(pairs);
  for (let b = 0; b < B; b++) {
    const seen = new Set<number>();
    for (let j = 0; j < k; j++) {
      const y = rowLabel[b * k + j];
      if (!(y >= 0 && y < L)) throw new Error(`pair list: label ${y} of text ${b} is not in [0, ${L})`);
      if (seen.has(y)) throw new Error(`pair list: text ${b} lists label ${y} twice`);
      seen.add(y);
    }
  }
  return { k, rowLabel };
}

function repeatRows<T extends ArrayLike<number>>(x: T, B: number, T: number, k: number): Float64Array {
  const out = new Float64Array(B * k * T);
  for (let b = 0; b < B; b++) for (let j = 0; j < k; j++) for (let t = 0; t < T; t++) out[(b * k + j) * T + t] = Number(x[b * T + t]);
  return out;
}

/** Softmax pooling of every label's states with score w . h_i: (L, d) vectors and (L, lmax) weights. */
function poolLabels(r: EncoderTuningResolved, w: Float64Array): { pooled: Float64Array; attn: Float64Array } {
  const { L, lmax, d, labelTokens: H, labelMask: M } = r;
  const pooled = new Float64Array(L * d);
  const attn = new Float64Array(L * lmax);
  for (let l = 0; l < L; l++) {
    let mx = -Infinity;
    const s = new Float64Array(lmax);
    for (let i = 0; i < lmax; i++) {
      if (!M[l * lmax + i]) continue;
      for (let j = 0; j < d; j++) s[i] += w[j] * H[(l * lmax + i) * d + j];
      mx = Math.max(mx, s[i]);
    }
    let z = 0;
    for (let i = 0; i < lmax; i++) if (M[l * lmax + i]) z += Math.exp(s[i] - mx);
    for (let i = 0; i < lmax; i++) {
      if (!M[l * lmax + i]) continue;
      const a = Math.exp(s[i] - mx) / z;
      attn[l * lmax + i] = a;
      for (let j = 0; j < d; j++) pooled[l * d + j] += a * H[(l * lmax + i) * d + j];
    }
  }
  return { pooled, attn };
}

/** y (n, N) = x (n, K) W (K, N) + b (N) */
function affine(x: Float64Array, W: Float64Array, b: Float64Array | null, n: number, K: number, N: number): Float64Array {
  const y = new Float64Array(n * N);
  for (let i = 0; i < n; i++)
    for (let o = 0; o < N; o++) {
      let s = b ? b[o] : 0;
      for (let q = 0; q < K; q++) s += x[i * K + q] * W[q * N + o];
      y[i * N + o] = s;
    }
  return y;
}

export function encoderTuningForwardRef(
  r: EncoderTuningResolved,
  p: P,
  text: RefTextBatch,
  pairs: ArrayLike<number> | null,
): { logits: Float64Array; cache: EncoderTuningRefCache } {
  const { B, T } = text;
  const { L, spec, P: Pn, Cp } = r;
  const lt = r.method === 'lt-prefix' || r.method === 'lt-prompt';
  const { k, rowLabel } = lt ? pairRows(B, L, pairs) : { k: 1, rowLabel: null };
  const R = B * k;
  const ids = lt ? repeatRows(text.ids, B, T, k) : Float64Array.from(text.ids, Number);
  const mask = lt ? repeatRows(text.mask, B, T, k) : Float64Array.from(text.mask, Number);
  const tokenTypeIds = text.tokenTypes ? (lt ? repeatRows(text.tokenTypes, B, T, k) : Float64Array.from(text.tokenTypes, Number)) : null;
  let prefix: { length: number; layers: PrefixKV[] } | null = null;
  let prompt: { length: number; data: Float64Array } | null = null;
  let promptMask: Float64Array | null = null;
  let pooledLabels: Float64Array | null = null;
  let attn: Float64Array | null = null;
  if (r.method === 'lt-prefix') {
    const pl = poolLabels(r, p['F.w']);
    pooledLabels = pl.pooled;
    attn = pl.attn;
    const g = new Float64Array(R * r.d);
    for (let q = 0; q < R; q++) g.set(pooledLabels.subarray(rowLabel![q] * r.d, (rowLabel![q] + 1) * r.d), q * r.d);
    prefix = {
      length: Pn,
      layers: r.widths.map((W, l) => ({
        k: affine(g, p[`Z.${l}.k.W`], p[`Z.${l}.k.b`], R, r.d, Pn * W),
        v: affine(g, p[`Z.${l}.v.W`], p[`Z.${l}.v.b`], R, r.d, Pn * W),
      })),
    };
  } else if (r.method === 'lt-prompt') {
    const rows = new Float64Array(R * Pn * r.d);
    for (let q = 0; q < R; q++) rows.set(r.labelTokens.subarray(rowLabel![q] * Pn * r.d, (rowLabel![q] + 1) * Pn * r.d), q * Pn * r.d);
    prompt = { length: Pn, data: affine(rows, p['G.W'], p['G.b'], R * Pn, r.d, r.E) };
    if (r.promptPooling === 'text') {
      promptMask = new Float64Array(R * Pn);
      for (let q = 0; q < R; q++) promptMask.set(r.labelMask.subarray(rowLabel![q] * Pn, (rowLabel![q] + 1) * Pn), q * Pn);
    }
  } else if (r.method === 'prefix') {
    prefix = {
      length: Pn,
      layers: r.widths.map((W, l) => {
        const kk = new Float64Array(R * Pn * W);
        const vv = new Float64Array(R * Pn * W);
        for (let b = 0; b < R; b++) {
          kk.set(p[`prefix.${l}.k`], b * Pn * W);
          vv.set(p[`prefix.${l}.v`], b * Pn * W);
        }
        return { k: kk, v: vv };
      }),
    };
  } else {
    const data = new Float64Array(R * Pn * r.E);
    for (let b = 0; b < R; b++) data.set(p.prompt, b * Pn * r.E);
    prompt = { length: Pn, data };
  }
  const poolText = !!prompt && r.promptPooling === 'text';
  const enc = refForward(spec, { ids, mask, tokenTypeIds, B: R, T, prefix, prompt, promptMask, poolText });
  let pooled = enc.pooled;
  const meanPooled = !pooled;
  if (!pooled) {
    const C = spec.hiddenSize;
    pooled = new Float64Array(R * C);
    for (let q = 0; q < R; q++) {
      let n = 0;
      for (let t = 0; t < enc.L; t++) n += enc.poolKeep[q * enc.L + t];
      for (let t = 0; t < enc.L; t++) {
        if (!enc.poolKeep[q * enc.L + t]) continue;
        for (let j = 0; j < C; j++) pooled[q * C + j] += enc.tokens[(q * enc.L + t) * C + j] / Math.max(n, 1);
      }
    }
  }
  // classifier: L rows (baselines: all labels; L-Tuning 'per-label': row y for the pair scored with label y) or
  // one shared row (L-Tuning 'shared', files from before per-label rows)
  const N = r.classifier === 'shared' ? 1 : L;
  const s = affine(pooled, p['C.W'], p['C.b'], R, Cp, N);
  const logits = lt ? new Float64Array(B * L) : s;
  if (lt) for (let q = 0; q < R; q++) logits[Math.floor(q / k) * L + rowLabel![q]] = s[q * N + (N === 1 ? 0 : rowLabel![q])];
  return { logits, cache: { r, p, B, rowLabel, k, pooledLabels, attn, pooled, enc, meanPooled } };
}

/** Gradients of every parameter (by name) from dLogits (B, L). */
export function encoderTuningBackwardRef(cache: EncoderTuningRefCache, dLogits: ArrayLike<number>): P {
  const { r, p, B, rowLabel, k, pooled, enc } = cache;
  const { L, Cp, P: Pn, spec } = r;
  const lt = rowLabel !== null;
  const R = lt ? B * k : B;
  const N = r.classifier === 'shared' ? 1 : L;
  const dS = new Float64Array(R * N);
  if (lt) for (let q = 0; q < R; q++) dS[q * N + (N === 1 ? 0 : rowLabel[q])] = Number(dLogits[Math.floor(q / k) * L + rowLabel[q]]);
  else for (let i = 0; i < R * N; i++) dS[i] = Number(dLogits[i]);
  const g: P = {};
  const dCW = new Float64Array(Cp * N);
  const dCb = new Float64Array(N);
  const dPooled = new Float64Array(R * Cp);
  for (let q = 0; q < R; q++)
    for (let o = 0; o < N; o++) {
      const ds = dS[q * N + o];
      dCb[o] += ds;
      for (let j = 0; j < Cp; j++) {
        dCW[j * N + o] += ds * pooled[q * Cp + j];
        dPooled[q * Cp + j] += ds * p['C.W'][j * N + o];
      }
    }
  g['C.W'] = dCW;
  g['C.b'] = dCb;
  let dTokens: Float64Array | null = null;
  let dPooledEnc: Float64Array | null = dPooled;
  if (cache.meanPooled) {
    const C = spec.hiddenSize;
    dTokens = new Float64Array(R * enc.L * C);
    for (let q = 0; q < R; q++) {
      let n = 0;
      for (let t = 0; t < enc.L; t++) n += enc.poolKeep[q * enc.L + t];
      for (let t = 0; t < enc.L; t++) {
        if (!enc.poolKeep[q * enc.L + t]) continue;
        for (let j = 0; j < C; j++) dTokens[(q * enc.L + t) * C + j] = dPooled[q * C + j] / Math.max(n, 1);
      }
    }
    dPooledEnc = null;
  }
  const eg = refBackward(enc.cache, dTokens, dPooledEnc);
  if (r.method === 'lt-prefix') {
    const { d, lmax } = r;
    const dG = new Float64Array(R * d);
    const gIn = new Float64Array(R * d);
    for (let q = 0; q < R; q++) gIn.set(cache.pooledLabels!.subarray(rowLabel![q] * d, (rowLabel![q] + 1) * d), q * d);
    r.widths.forEach((W, l) => {
      for (const kv of ['k', 'v'] as const) {
        const dY = eg.dPrefix![l][kv];
        const n = Pn * W;
        const Wz = p[`Z.${l}.${kv}.W`];
        const dW = new Float64Array(d * n);
        const db = new Float64Array(n);
        for (let q = 0; q < R; q++)
          for (let o = 0; o < n; o++) {
            const y = dY[q * n + o];
            if (y === 0) continue;
            db[o] += y;
            for (let j = 0; j < d; j++) {
              dW[j * n + o] += gIn[q * d + j] * y;
              dG[q * d + j] += Wz[j * n + o] * y;
            }
          }
        g[`Z.${l}.${kv}.W`] = dW;
        g[`Z.${l}.${kv}.b`] = db;
      }
    });
    const dPl = new Float64Array(r.L * d);
    for (let q = 0; q < R; q++) for (let j = 0; j < d; j++) dPl[rowLabel![q] * d + j] += dG[q * d + j];
    const dw = new Float64Array(d);
    const H = r.labelTokens;
    for (let l = 0; l < r.L; l++) {
      const da = new Float64Array(lmax);
      let sum = 0;
      for (let i = 0; i < lmax; i++) {
        const a = cache.attn![l * lmax + i];
        if (!a) continue;
        for (let j = 0; j < d; j++) da[i] += dPl[l * d + j] * H[(l * lmax + i) * d + j];
        sum += a * da[i];
      }
      for (let i = 0; i < lmax; i++) {
        const a = cache.attn![l * lmax + i];
        if (!a) continue;
        const ds = a * (da[i] - sum);
        for (let j = 0; j < d; j++) dw[j] += ds * H[(l * lmax + i) * d + j];
      }
    }
    g['F.w'] = dw;
  } else if (r.method === 'lt-prompt') {
    const { d, E } = r;
    const dP = eg.dPrompt!;
    const dW = new Float64Array(d * E);
    const db = new Float64Array(E);
    for (let q = 0; q < R; q++)
      for (let i = 0; i < Pn; i++) {
        const hOff = (rowLabel![q] * Pn + i) * d;
        for (let o = 0; o < E; o++) {
          const y = dP[(q * Pn + i) * E + o];
          db[o] += y;
          for (let j = 0; j < d; j++) dW[j * E + o] += r.labelTokens[hOff + j] * y;
        }
      }
    g['G.W'] = dW;
    g['G.b'] = db;
  } else if (r.method === 'prefix') {
    r.widths.forEach((W, l) => {
      for (const kv of ['k', 'v'] as const) {
        const n = Pn * W;
        const acc = new Float64Array(n);
        const dY = eg.dPrefix![l][kv];
        for (let q = 0; q < R; q++) for (let o = 0; o < n; o++) acc[o] += dY[q * n + o];
        g[`prefix.${l}.${kv}`] = acc;
      }
    });
  } else {
    const n = Pn * r.E;
    const acc = new Float64Array(n);
    const dP = eg.dPrompt!;
    for (let q = 0; q < R; q++) for (let o = 0; o < n; o++) acc[o] += dP[q * n + o];
    g.prompt = acc;
  }
  return g;
}
