// One transformer layer of the WGSL encoder, forward and backward, in both normalisation orders:
//   post-LN (BERT):      r1 = x + Attn(x);  x1 = LN1(r1);  r2 = x1 + FFN(x1);  out = LN2(r2)
//   pre-LN (USE-lite):   y = Attn(LN1(x)) + skip(x);       out = y + FFN(LN2(y))
// where Attn = attnOut(MHA(q(.), k(.), v(.))) with the key mask, and FFN = ffnOut(act(ffnIn(.))).
// Design decision: the forward returns everything the backward needs in one `LayerSaved` record and nothing is
// kept elsewhere, so per-layer recomputation is simply "drop the record after the forward, run the forward
// again from the saved layer input before the backward". Parameter gradients accumulate (+=); activation
// gradients are fresh tensors. Prefix keys/values (L-Tuning) are prepended to this layer's keys and values.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { addAccumulate } from '../kernels/add';
import { attentionBackward, attentionForward } from '../kernels/attention';
import { seqConcat, seqConcatBackward } from '../kernels/seq-concat';
import type { EncoderLayerSpec } from './spec';
import { activate, activateBack, lin, linBack, norm, normBack, releaseNorm, type NormSaved } from './ops';
import type { EncoderWeights, GpuLayerNorm, GpuLinear } from './weights';

export interface LayerShape {
  B: number;
  T: number;
}

/** Prefix keys/values for one layer (L-Tuning prefix, prefix tuning): P rows in front of the layer's keys/values. */
export interface LayerPrefix {
  P: number;
  /** (B, P, H*dh), or (P, H*dh) when shared by every example. */
  keys: GpuTensor;
  values: GpuTensor;
  shared: boolean;
  /** (B, P+T) key mask: ones for the prefix, then the tokens' mask. */
  keyMask: GpuTensor;
  /** Backward destinations (same shapes as keys/values), written, or added when `accumulate`; null: no gradient. */
  dKeys: GpuTensor | null;
  dValues: GpuTensor | null;
  accumulate: boolean;
}

/** The layer's GPU weights, resolved once. */
export interface GpuLayer {
  spec: EncoderLayerSpec;
  q: GpuLinear;
  k: GpuLinear;
  v: GpuLinear;
  attnOut: GpuLinear;
  skip: GpuLinear | null;
  ln1: GpuLayerNorm;
  ffnIn: GpuLinear;
  ffnOut: GpuLinear;
  ln2: GpuLayerNorm;
}

export function gpuLayer(w: EncoderWeights, L: EncoderLayerSpec): GpuLayer {
  return {
    spec: L,
    q: w.linear(L.q),
    k: w.linear(L.k),
    v: w.linear(L.v),
    attnOut: w.linear(L.attnOut),
    skip: L.skip ? w.linear(L.skip) : null,
    ln1: w.layerNorm(L.ln1),
    ffnIn: w.linear(L.ffnIn),
    ffnOut: w.linear(L.ffnOut),
    ln2: w.layerNorm(L.ln2),
  };
}

/** Activations saved by a layer's forward for its backward (shapes in rows R = B*T). */
export interface LayerSaved {
  /** (R, inWidth) the layer input (not owned: the previous layer's output or the embeddings). */
  x: GpuTensor;
  /** pre-LN: LN1(x) (R, inWidth); post-LN: null (q, k, v read x). */
  n1: NormSaved | null;
  q: GpuTensor; // (R, H*dh)
  /** Keys and values the attention read: (B, P+T, H*dh) with a prefix, else (R, H*dh). */
  k: GpuTensor;
  v: GpuTensor;
  probs: GpuTensor; // (B, H, T, P+T)
  ctx: GpuTensor; // (R, H*dh) attention output before attnOut
  /** post-LN: r1 = x + attn (R, C); pre-LN: y = attn + skip(x). */
  r1: GpuTensor;
  /** post-LN: LN1(r1); pre-LN: LN2(y). The FFN's input. */
  n2: NormSaved;
  f1: GpuTensor; // (R, I) FFN pre-activation
  g: GpuTensor; // (R, I) FFN activation
  /** post-LN: r2 = x1 + FFN(x1) (R, C), the input of LN2, and LN2's statistics; pre-LN: null. */
  r2: GpuTensor | null;
  n3: NormSaved | null;
  /** (R, outWidth) the layer output (owned by the caller once returned; not released with the record). */
  out: GpuTensor;
}

function withPrefix(e: GpuEngine, pre: LayerPrefix, head: GpuTensor, t: GpuTensor, s: LayerShape, W: number, label: string): GpuTensor {
  const out = e.tensor([s.B, pre.P + s.T, W], label);
  seqConcat(e, { head, tail: t, out }, { B: s.B, P: pre.P, T: s.T, W, headShared: pre.shared });
  t.release();
  return out;
}

function attention(e: GpuEngine, P: GpuLayer, xq: GpuTensor, mask: GpuTensor, s: LayerShape, label: string, pre: LayerPrefix | null) {
  const R = s.B * s.T;
  const L = P.spec;
  const W = L.heads * L.headDim;
  const q = lin(e, xq, P.q, R, `${label}.q`);
  let k = lin(e, xq, P.k, R, `${label}.k`);
  let v = lin(e, xq, P.v, R, `${label}.v`);
  if (pre) {
    k = withPrefix(e, pre, pre.keys, k, s, W, `${label}.kp`);
    v = withPrefix(e, pre, pre.values, v, s, W, `${label}.vp`);
  }
  const Lk = s.T + (pre ? pre.P : 0);
  const ctx = e.tensor([R, W], `${label}.ctx`);
  const probs = e.tensor([s.B, L.heads, s.T, Lk], `${label}.probs`);
  attentionForward(e, { q, k, v, keyMask: pre ? pre.keyMask : mask, out: ctx, probs }, { B: s.B, Lq: s.T, Lk, H: L.heads, dh: L.headDim, scale: L.scale });
  return { q, k, v, ctx, probs };
}

/** Forward of one layer from x (R, inWidth); mask (B, T) on the GPU. */
export function layerForward(e: GpuEngine, P: GpuLayer, x: GpuTensor, mask: GpuTensor, s: LayerShape, label: string, pre: LayerPrefix | null = null): LayerSaved {
  const R = s.B * s.T;
  const L = P.spec;
  if (L.norm === 'post') {
    const a = attention(e, P, x, mask, s, label, pre);
    const r1 = lin(e, a.ctx, P.attnOut, R, `${label}.r1`);
    addAccumulate(e, r1, x); // r1 = x + attn
    const n2 = norm(e, r1, P.ln1, R, `${label}.x1`);
    const f1 = lin(e, n2.y, P.ffnIn, R, `${label}.f1`);
    const g = activate(e, L.activation, f1, `${label}.g`);
    const r2 = lin(e, g, P.ffnOut, R, `${label}.r2`);
    addAccumulate(e, r2, n2.y); // r2 = x1 + ffn
    const n3 = norm(e, r2, P.ln2, R, `${label}.out`);
    const out = n3.y;
    return { x, n1: null, ...a, r1, n2, f1, g, r2, n3, out };
  }
  const n1 = norm(e, x, P.ln1, R, `${label}.n1`);
  const a = attention(e, P, n1.y, mask, s, label, pre);
  const r1 = lin(e, a.ctx, P.attnOut, R, `${label}.y`);
  if (P.skip) {
    const sk = lin(e, x, P.skip, R, `${label}.skip`);
    addAccumulate(e, r1, sk);
    sk.release();
  } else addAccumulate(e, r1, x);
  const n2 = norm(e, r1, P.ln2, R, `${label}.n2`);
  const f1 = lin(e, n2.y, P.ffnIn, R, `${label}.f1`);
  const g = activate(e, L.activation, f1, `${label}.g`);
  const out = lin(e, g, P.ffnOut, R, `${label}.out`);
  addAccumulate(e, out, r1); // out = y + ffn
  return { x, n1, ...a, r1, n2, f1, g, r2: null, n3: null, out };
}

/** Release a saved record's activations (not x, not out). */
export function releaseSaved(r: LayerSaved): void {
  if (r.n1) releaseNorm(r.n1);
  for (const t of [r.q, r.k, r.v, r.probs, r.ctx, r.r1, r.f1, r.g]) t.release();
  releaseNorm(r.n2);
  r.r2?.release();
  if (r.n3) {
    // n3.y is `out`, owned by the caller.
    r.n3.mean.release();
    r.n3.rstd.release();
  }
}

/** Q, K, V gradients through attention, then into the layer's input xq: returns dXq (new tensor). */
function attentionBack(e: GpuEngine, P: GpuLayer, r: LayerSaved, xq: GpuTensor, dCtx: GpuTensor, s: LayerShape, label: string, pre: LayerPrefix | null): GpuTensor {
  const R = s.B * s.T;
  const L = P.spec;
  const W = L.heads * L.headDim;
  const Lk = s.T + (pre ? pre.P : 0);
  const dQ = e.tensor([R, W], `${label}.dq`);
  let dK = e.tensor([s.B * Lk, W], `${label}.dk`);
  let dV = e.tensor([s.B * Lk, W], `${label}.dv`);
  attentionBackward(e, { q: r.q, k: r.k, v: r.v, probs: r.probs, dOut: dCtx, dQ, dK, dV }, { B: s.B, Lq: s.T, Lk, H: L.heads, dh: L.headDim, scale: L.scale });
  if (pre) {
    // Split the prefix rows' gradients off (to the caller's destinations) and keep the tokens' rows.
    const split = (dFull: GpuTensor, dHead: GpuTensor | null, what: string) => {
      const dTail = e.tensor([R, W], `${label}.${what}`);
      seqConcatBackward(e, { dOut: dFull, dHead, dTail }, { B: s.B, P: pre.P, T: s.T, W, headShared: pre.shared, accumulateHead: pre.accumulate });
      dFull.release();
      return dTail;
    };
    dK = split(dK, pre.dKeys, 'dk.tokens');
    dV = split(dV, pre.dValues, 'dv.tokens');
  }
  const dX = e.tensor([R, P.q.in], `${label}.dxq`);
  linBack(e, xq, P.q, dQ, dX, R);
  linBack(e, xq, P.k, dK, dX, R, true);
  linBack(e, xq, P.v, dV, dX, R, true);
  dQ.release();
  dK.release();
  dV.release();
  return dX;
}

/**
 * Backward of one layer from dOut (R, outWidth): accumulates parameter gradients and returns dX (R, inWidth),
 * a new tensor. dOut is consumed (released).
 */
export function layerBackward(e: GpuEngine, P: GpuLayer, r: LayerSaved, dOut: GpuTensor, s: LayerShape, label: string, pre: LayerPrefix | null = null): GpuTensor {
  const R = s.B * s.T;
  const L = P.spec;
  if (L.norm === 'post') {
    const dR2 = normBack(e, r.r2!, P.ln2, r.n3!, dOut, R, `${label}.dr2`);
    dOut.release();
    const dG = e.tensor([R, P.ffnOut.in], `${label}.dg`);
    linBack(e, r.g, P.ffnOut, dR2, dG, R);
    const dF1 = activateBack(e, L.activation, r.f1, r.g, dG, `${label}.df1`);
    dG.release();
    const dX1 = e.tensor([R, P.ffnIn.in], `${label}.dx1`);
    linBack(e, r.n2.y, P.ffnIn, dF1, dX1, R);
    dF1.release();
    addAccumulate(e, dX1, dR2); // residual
    dR2.release();
    const dR1 = normBack(e, r.r1, P.ln1, r.n2, dX1, R, `${label}.dr1`);
    dX1.release();
    const dCtx = e.tensor([R, P.attnOut.in], `${label}.dctx`);
    linBack(e, r.ctx, P.attnOut, dR1, dCtx, R);
    const dX = attentionBack(e, P, r, r.x, dCtx, s, label, pre);
    dCtx.release();
    addAccumulate(e, dX, dR1); // residual
    dR1.release();
    return dX;
  }
  // pre-LN: out = y + FFN(LN2(y)), y = Attn(LN1(x)) + skip(x)
  const dG = e.tensor([R, P.ffnOut.in], `${label}.dg`);
  linBack(e, r.g, P.ffnOut, dOut, dG, R);
  const dF1 = activateBack(e, L.activation, r.f1, r.g, dG, `${label}.df1`);
  dG.release();
  const dN2 = e.tensor([R, P.ffnIn.in], `${label}.dn2`);
  linBack(e, r.n2.y, P.ffnIn, dF1, dN2, R);
  dF1.release();
  const dY = normBack(e, r.r1, P.ln2, r.n2, dN2, R, `${label}.dy`);
  dN2.release();
  addAccumulate(e, dY, dOut); // residual
  dOut.release();
  const dCtx = e.tensor([R, P.attnOut.in], `${label}.dctx`);
  linBack(e, r.ctx, P.attnOut, dY, dCtx, R);
  const dN1 = attentionBack(e, P, r, r.n1!.y, dCtx, s, label, pre);
  dCtx.release();
  const dX = normBack(e, r.x, P.ln1, r.n1!, dN1, R, `${label}.dx`);
  dN1.release();
  if (P.skip) linBack(e, r.x, P.skip, dY, dX, R, true);
  else addAccumulate(e, dX, dY);
  dY.release();
  return dX;
}
