// The tfjs peers of our label heads for the training benchmark (bench/train.bench.ts): each head written with
// @tensorflow/tfjs ops (matMul, softmax, LayerNorm from tf.moments, exact GELU through tf.erf, masked multi-head
// attention) and trained by tfjs autodiff (tf.variableGrads) plus global-norm clipping and AdamW written in tf ops.
// Design decision: a peer is built FROM our head's parameters (same names, shapes, values and weight-decay flags)
// and mirrors the float64 reference's formulas (reference/heads/*.ts), so its step-0 loss must equal ours: the
// benchmark checks that before timing, so both sides time the same computation.
import type { LTuningResolved } from '../src/heads/ltuning-config';
import type { YTuningResolved } from '../src/heads/ytuning-config';
import type { Tf } from './tfjs-peer';

type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;

/** One fixed batch as tfjs tensors (what our GpuBatch holds). */
export interface TfBatch {
  B: number;
  T: number;
  tokens: Tensor; // (B, T, C)
  mask: Tensor; // (B, T) 1 = real token, 0 = padding
  pooled: Tensor; // (B, C)
}

/** What a peer is built from: the head's kind and resolved configuration (read off our head). */
export type TfHeadSpec =
  | { kind: 'ytuning'; cfg: YTuningResolved }
  | { kind: 'label-attn-prefix' | 'label-attn-prompt'; cfg: LTuningResolved }
  | { kind: 'linear'; C: number; L: number }
  | { kind: 'label'; C: number; L: number; scale: number };

/** One parameter as our head has it: name, shape, AdamW decay flag and current values. */
export interface ParamInit {
  name: string;
  shape: readonly number[];
  decay: boolean;
  value: Float32Array;
}

export interface TfHeadVar {
  name: string;
  v: Variable;
  decay: boolean;
}

export interface TfHead {
  kind: string;
  L: number;
  vars: TfHeadVar[];
  /** Logits (B, L) of a batch; call inside a tidy / gradient scope. */
  forward(b: TfBatch): Tensor;
  dispose(): void;
}

let uid = 0;

/** Building blocks shared by the heads (all inside the caller's tidy). */
function ops(tf: Tf) {
  /** x (..., K) @ W (K, N) + b (N): flattened to 2-D for the GEMM, reshaped back. */
  const lin = (x: Tensor, W: Tensor, b: Tensor | null): Tensor => {
    const [K, N] = W.shape;
    const y = tf.matMul(tf.reshape(x, [-1, K]), W);
    return tf.reshape(b ? tf.add(y, b) : y, [...x.shape.slice(0, -1), N]);
  };
  /** LayerNorm over the last axis (biased variance, as our kernel); beta null = no shift. */
  const ln = (x: Tensor, g: Tensor, b: Tensor | null, eps: number): Tensor => {
    const { mean, variance } = tf.moments(x, -1, true);
    const y = tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g);
    return b ? tf.add(y, b) : y;
  };
  /** Exact GELU: x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
  const gelu = (x: Tensor): Tensor => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  /** (B, Lk) 0/1 key mask -> additive bias (B, 1, 1, Lk): 0 kept, -1e9 masked (exp underflows to exactly 0). */
  const maskBias = (mask: Tensor): Tensor => {
    const [Bm, Lk] = mask.shape as [number, number];
    return tf.reshape(tf.mul(tf.sub(1, mask), -1e9), [Bm, 1, 1, Lk]);
  };
  /** Multi-head attention core on (B, L, H*dh) layouts, scale 1/sqrt(dh), optional additive key mask. */
  const mha = (q: Tensor, k: Tensor, v: Tensor, H: number, bias: Tensor | null): Tensor => {
    const [B, Lq, D] = q.shape as [number, number, number];
    const Lk = k.shape[1] as number;
    const dh = D / H;
    const heads = (t: Tensor, Lx: number) => tf.transpose(tf.reshape(t, [B, Lx, H, dh]), [0, 2, 1, 3]);
    const s = tf.mul(tf.matMul(heads(q, Lq), heads(k, Lk), false, true), 1 / Math.sqrt(dh)); // (B, H, Lq, Lk)
    const p = tf.softmax(bias ? tf.add(s, bias) : s);
    const o = tf.matMul(p, heads(v, Lk)); // (B, H, Lq, dh)
    return tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B, Lq, D]);
  };
  /** (R, d) shared by the batch -> (B, R, d). */
  const broadcast = (x: Tensor, B: number): Tensor => tf.broadcastTo(tf.reshape(x, [1, ...x.shape]), [B, ...x.shape]);
  return { lin, ln, gelu, maskBias, mha, broadcast };
}

/** Build the tfjs peer of a head from its parameters (copied into tf.variables). */
export function createTfHead(tf: Tf, spec: TfHeadSpec, params: readonly ParamInit[]): TfHead {
  const id = uid++;
  const vars: TfHeadVar[] = params.map((p) => ({
    name: p.name,
    v: tf.variable(tf.tensor(p.value, [...p.shape]), true, `${spec.kind}.${p.name}.${id}`),
    decay: p.decay,
  }));
  const P: Record<string, Variable> = Object.fromEntries(vars.map((x) => [x.name, x.v]));
  const need = (...names: string[]) => {
    for (const n of names) if (!P[n]) throw new Error(`tfjs ${spec.kind} peer: parameter "${n}" is missing from the head's parameter list`);
  };
  const o = ops(tf);
  const constants: Tensor[] = [];
  const keep = (t: Tensor) => (constants.push(t), t);
  let L: number;
  let forward: (b: TfBatch) => Tensor;

  switch (spec.kind) {
    case 'ytuning': {
      const r = spec.cfg;
      L = r.L;
      const { d, H, N, lnEps: eps } = r;
      need('E', 'Wf', 'bf', 'mg', 'mb', 'Wp', 'bp', 'pg', 'pb', 'lnfg', 'u', 'c');
      const seeds = r.seeds ? keep(tf.tensor(Float32Array.from(r.seeds), [r.L, r.C])) : null;
      forward = (b) => {
        const { B } = b;
        const Q0 = seeds ? tf.add(o.lin(seeds, P.Ws, P.bs), P.E) : P.E; // (L, d)
        let X = o.broadcast(Q0, B); // (B, L, d)
        const tok = o.ln(o.lin(b.tokens, P.Wf, P.bf), P.mg, P.mb, eps); // (B, T, d)
        const pool = o.ln(o.lin(b.pooled, P.Wp, P.bp), P.pg, P.pb, eps); // (B, d)
        const M = tf.concat([tok, tf.reshape(pool, [B, 1, d])], 1); // (B, T+1, d)
        const bias = o.maskBias(tf.concat([b.mask, tf.ones([B, 1])], 1)); // (B, 1, 1, T+1): pooled token kept
        for (let i = 0; i < N; i++) {
          const l = `l${i}.`;
          const a1 = o.ln(X, P[l + 'ln1g'], P[l + 'ln1b'], eps);
          const sa = o.mha(o.lin(a1, P[l + 'Wsq'], P[l + 'bsq']), o.lin(a1, P[l + 'Wsk'], null), o.lin(a1, P[l + 'Wsv'], P[l + 'bsv']), H, null);
          const X1 = tf.add(X, o.lin(sa, P[l + 'Wso'], P[l + 'bso']));
          const a2 = o.ln(X1, P[l + 'ln2g'], P[l + 'ln2b'], eps);
          const ca = o.mha(o.lin(a2, P[l + 'Wcq'], P[l + 'bcq']), o.lin(M, P[l + 'Wck'], null), o.lin(M, P[l + 'Wcv'], P[l + 'bcv']), H, bias);
          const X2 = tf.add(X1, o.lin(ca, P[l + 'Wco'], P[l + 'bco']));
          const a3 = o.ln(X2, P[l + 'ln3g'], P[l + 'ln3b'], eps);
          X = tf.add(X2, o.lin(o.gelu(o.lin(a3, P[l + 'W1'], P[l + 'b1'])), P[l + 'W2'], P[l + 'b2']));
        }
        const fin = o.ln(X, P.lnfg, null, eps); // no shift
        return tf.add(tf.reshape(o.lin(fin, P.u, null), [B, r.L]), P.c); // (B, L)
      };
      break;
    }
    case 'label-attn-prefix': {
      const r = spec.cfg;
      L = r.L;
      const { C, d, H, m, Tl, lnEps: eps } = r;
      const Lm = L * m;
      need('wa', 'Wz', 'bz', 'Wf', 'bf', 'mg', 'mb', 'Wk', 'Wv', 'lnfg', 'u', 'c');
      const Y = keep(tf.tensor(Float32Array.from(r.labelTokens!), [L, Tl, C])); // (L, Tl, C)
      const Ybias = keep(tf.mul(tf.sub(1, tf.tensor(Float32Array.from(r.labelMask!), [L, Tl])), -1e9)); // (L, Tl)
      forward = (b) => {
        const { B } = b;
        // label pooling a = softmax(Y_l wa) over real label tokens, p_l = sum_i a_i Y_l[i]
        const scores = tf.add(tf.reshape(tf.matMul(tf.reshape(Y, [L * Tl, C]), P.wa, false, true), [L, Tl]), Ybias);
        const a = tf.softmax(scores); // (L, Tl)
        const pl = tf.reshape(tf.matMul(tf.reshape(a, [L, 1, Tl]), Y), [L, C]); // (L, C)
        const q = o.broadcast(tf.reshape(o.lin(pl, P.Wz, P.bz), [Lm, d]), B); // (B, L*m, d)
        const tok = o.ln(o.lin(b.tokens, P.Wf, P.bf), P.mg, P.mb, eps); // (B, T, d)
        const att = o.mha(q, o.lin(tok, P.Wk, null), o.lin(tok, P.Wv, null), H, o.maskBias(b.mask));
        const g = tf.mean(tf.reshape(tf.add(q, att), [B, L, m, d]), 2); // (B, L, d)
        const fin = o.ln(g, P.lnfg, null, eps);
        return tf.reshape(o.lin(fin, P.u, P.c), [B, L]);
      };
      break;
    }
    case 'label-attn-prompt': {
      const r = spec.cfg;
      L = r.L;
      const { C, H, lnEps: eps } = r;
      need('G', 'Wf', 'bf', 'mg', 'mb', 'Wq', 'bq', 'Wk', 'Wv', 'bv', 'Wo', 'bo', 'lnfg', 'u', 'c');
      const S = keep(tf.tensor(Float32Array.from(r.seeds!), [L, C])); // (L, C)
      forward = (b) => {
        const { B } = b;
        const x = o.lin(tf.matMul(S, P.G), P.Wf, P.bf); // (L, d) prompt tokens
        const q = o.broadcast(o.lin(x, P.Wq, P.bq), B); // (B, L, d)
        const tok = o.ln(o.lin(b.tokens, P.Wf, P.bf), P.mg, P.mb, eps); // (B, T, d)
        const att = o.mha(q, o.lin(tok, P.Wk, null), o.lin(tok, P.Wv, P.bv), H, o.maskBias(b.mask));
        const h = tf.add(o.broadcast(x, B), o.lin(att, P.Wo, P.bo)); // (B, L, d)
        return tf.reshape(o.lin(o.ln(h, P.lnfg, null, eps), P.u, P.c), [B, L]);
      };
      break;
    }
    case 'linear': {
      L = spec.L;
      need('W', 'b');
      forward = (b) => o.lin(b.pooled, P.W, P.b); // (B, L)
      break;
    }
    case 'label': {
      L = spec.L;
      need('S');
      const scale = spec.scale;
      forward = (b) => tf.mul(tf.matMul(b.pooled, P.S, false, true), scale); // (B, L)
      break;
    }
  }
  return {
    kind: spec.kind,
    L,
    vars,
    forward,
    dispose() {
      for (const x of vars) x.v.dispose();
      tf.dispose(constants);
    },
  };
}

/** The loss the trainer uses: softmax cross-entropy on class ids, or the match objective's weighted sigmoid CE. */
export type TfLoss = { kind: 'softmax'; onehot: Tensor } | { kind: 'match'; targets: Tensor; weights: Tensor };

export function tfLossValue(tf: Tf, logits: Tensor, loss: TfLoss): Tensor {
  if (loss.kind === 'softmax') return tf.neg(tf.mean(tf.sum(tf.mul(loss.onehot, tf.logSoftmax(logits)), -1)));
  const z = tf.reshape(logits, [-1]);
  const l = tf.sub(tf.softplus(z), tf.mul(z, loss.targets)); // softplus(z) - t z
  return tf.div(tf.sum(tf.mul(loss.weights, l)), tf.sum(loss.weights));
}

/**
 * Sum of many scalars as a tree of pairwise adds. Not tf.addN: its WebGPU kernel binds every input at once and
 * becomes an invalid pipeline beyond the device's storage-buffer limit (8 per stage by default), which silently
 * drops the whole command buffer it was recorded into.
 */
function sumAll(tf: Tf, xs: Tensor[]): Tensor {
  let level = xs;
  while (level.length > 1) {
    const next: Tensor[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? tf.add(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Global gradient-norm clip (0 / Infinity: none). */
  maxGradNorm: number;
}

/** AdamW moments for a peer's variables. */
export interface TfAdamW {
  m: Variable[];
  v: Variable[];
  dispose(): void;
}

export function createTfAdamW(tf: Tf, head: TfHead): TfAdamW {
  const z = (x: TfHeadVar, what: string) => tf.variable(tf.zerosLike(x.v), false, `${x.v.name}.${what}`);
  const m = head.vars.map((x) => z(x, 'm'));
  const v = head.vars.map((x) => z(x, 'v'));
  return { m, v, dispose: () => tf.dispose([...m, ...v]) };
}

/**
 * One full training step: forward, loss, backward (tfjs autodiff), global-norm clip and AdamW (torch.optim.AdamW:
 * decoupled decay first, bias-corrected moments), as our trainer does. `step` is 1-based. Returns the loss before
 * the update (a scalar the caller disposes).
 */
export function tfTrainStep(tf: Tf, head: TfHead, opt: TfAdamW, o: AdamWConfig, b: TfBatch, loss: TfLoss, lr: number, step: number): Tensor {
  return tf.tidy(() => {
    const xs = head.vars.map((x) => x.v);
    const { value, grads } = tf.variableGrads(() => tfLossValue(tf, head.forward(b), loss) as import('@tensorflow/tfjs').Scalar, xs);
    const gl = xs.map((x) => grads[x.name]);
    let scale: Tensor | number = 1;
    if (o.maxGradNorm > 0 && Number.isFinite(o.maxGradNorm)) {
      const norm = tf.sqrt(sumAll(tf, gl.map((g) => tf.sum(tf.square(g)))));
      scale = tf.minimum(1, tf.div(o.maxGradNorm, tf.add(norm, 1e-6)));
    }
    const bc1 = 1 - o.beta1 ** step;
    const bc2 = 1 - o.beta2 ** step;
    head.vars.forEach((x, i) => {
      const g = tf.mul(gl[i], scale);
      const m = tf.add(tf.mul(opt.m[i], o.beta1), tf.mul(g, 1 - o.beta1));
      const v = tf.add(tf.mul(opt.v[i], o.beta2), tf.mul(tf.square(g), 1 - o.beta2));
      const wd = x.decay ? o.weightDecay : 0;
      const p = wd ? tf.mul(x.v, 1 - lr * wd) : x.v;
      const update = tf.div(tf.mul(m, lr / bc1), tf.add(tf.sqrt(tf.div(v, bc2)), o.eps));
      opt.m[i].assign(m);
      opt.v[i].assign(v);
      x.v.assign(tf.sub(p, update));
    });
    return value;
  });
}
