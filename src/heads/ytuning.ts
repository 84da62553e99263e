// The Y-Tuning label-decoder head (DESIGN.md §1) on the GPU, composed from the existing kernels (matmul/linear,
// attention, layernorm, gelu, add); float64 oracle: reference/heads/ytuning.ts, config/init: ./ytuning-config.ts.
// Design decision: every broadcast and concatenation is a matmul with a constant 0/1 matrix shared across the
// batch (stride 0), so no new kernel is needed and each backward is the same GEMM with a transpose:
//   X0 (B, L, d)    = I_L @ Q0                 (Q0 = s Ws + bs + E computed once per step, (L, d))
//   M  (B, T+1, d)  = S @ LN_m(F Wf + bf) + e_T @ LN_p(f Wp + bp)   with S (T+1, T) = [I_T; 0], e_T (T+1, 1)
//   mask (B, T+1)   = S @ mask + e_T @ [1]     (the pooled token is always kept)
//   z (B, L)        = LN_f(X) u + I_L @ c      (LN_f without shift; key projections without bias)
// Pair heads (config.pair, pairs encoded side by side): g (B, 4C) = [u, v, |u-v|, u*v] of pooled and pooledB
// (pair-features kernel, kept in the workspace for the backward) replaces f in the pooled token, Wp (4C, d),
// and z += g Wsc. Inputs are frozen, so g needs no gradient.
// S and e_T depend on T; they are uploaded once per distinct T (an upload flushes recorded work, so the first
// batch of a new length costs one extra submit). Activations live in a workspace sized for the last (B, T) and
// are reallocated when the batch shape changes. Dropout is not implemented (config.dropout is ignored).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { addAccumulate, addForward } from '../kernels/add';
import { attentionBackward, attentionForward, attentionSaved } from '../kernels/attention';
import { geluBackward, geluForward } from '../kernels/gelu';
import { layerNormBackward, layerNormForward } from '../kernels/layernorm';
import { biasGrad, linearBackward, linearForward, matmul, matmulBackward } from '../kernels/matmul';
import { pairFeatures } from '../kernels/pair-features';
import type { Head, HeadBatch, HeadParam } from './head';
import { resolveYTuning, ytuningInit, ytuningParamSpecs, type YTuningConfig, type YTuningResolved } from './ytuning-config';

export type { YTuningConfig } from './ytuning-config';

/** The last decoder layer's cross-attention of one batch (for the playground's attention view). */
export interface CrossAttentionMap {
  /** (B, H, L, Tm) probabilities: query label l of head h over key j; keys 0..T-1 are tokens, key T the pooled token. */
  weights: Float32Array;
  B: number;
  H: number;
  L: number;
  /** Keys per example: T tokens + 1 pooled token. Padded token keys have weight exactly 0. */
  Tm: number;
}

interface LnSaved {
  x: GpuTensor;
  y: GpuTensor;
  mean: GpuTensor;
  rstd: GpuTensor;
}

interface LayerWs {
  a1: LnSaved;
  sq: GpuTensor;
  sk: GpuTensor;
  sv: GpuTensor;
  sOut: GpuTensor;
  sP: GpuTensor;
  sProj: GpuTensor;
  X1: GpuTensor;
  a2: LnSaved;
  cq: GpuTensor;
  ck: GpuTensor;
  cv: GpuTensor;
  cOut: GpuTensor;
  cP: GpuTensor;
  cProj: GpuTensor;
  X2: GpuTensor;
  a3: LnSaved;
  pre: GpuTensor;
  act: GpuTensor;
  fProj: GpuTensor;
  X3: GpuTensor;
}

interface Workspace {
  B: number;
  T: number;
  all: GpuTensor[];
  X0: GpuTensor;
  /** (B, 4C) pair features [u, v, |u-v|, u*v] (pair heads only). */
  G: GpuTensor | null;
  tok: LnSaved;
  pool: LnSaved;
  M: GpuTensor;
  maskExt: GpuTensor;
  layers: LayerWs[];
  fin: LnSaved;
  Z: GpuTensor;
  // backward
  dX: GpuTensor;
  dTmp: GpuTensor;
  dA: GpuTensor;
  dAtt: GpuTensor;
  dq: GpuTensor;
  dk: GpuTensor;
  dv: GpuTensor;
  dSs: GpuTensor;
  dKm: GpuTensor;
  dVm: GpuTensor;
  dSc: GpuTensor;
  dM: GpuTensor;
  dAct: GpuTensor;
  dPre: GpuTensor;
  dTok: GpuTensor;
  dTokPre: GpuTensor;
  dPool: GpuTensor;
  dPoolPre: GpuTensor;
}

export class YTuningHead implements Head {
  readonly kind = 'ytuning';
  readonly labels: number;
  readonly params: HeadParam[];
  readonly config: YTuningResolved;
  private readonly p: Record<string, GpuTensor> = {};
  private readonly g: Record<string, GpuTensor> = {};
  private readonly seeds: GpuTensor | null;
  private readonly eyeL: GpuTensor; // (L, L) identity
  private readonly one: GpuTensor; // (1, 1) = 1
  private readonly Q0lin: GpuTensor | null; // (L, d)
  private readonly Q0: GpuTensor; // (L, d)
  private readonly dQ0: GpuTensor; // (L, d)
  private readonly zeroD: GpuTensor; // (d) zeros: the final LN's (absent) shift
  private readonly scratchD: GpuTensor; // (d) where that shift's gradient goes (never read)
  private readonly concat = new Map<number, { S: GpuTensor; eT: GpuTensor }>();
  private ws: Workspace | null = null;

  /** `init` overrides the seeded initial values (by parameter name), e.g. to load a checkpoint. */
  constructor(
    private readonly e: GpuEngine,
    cfg: YTuningConfig,
    init?: Record<string, ArrayLike<number>>,
  ) {
    const r = (this.config = resolveYTuning(cfg));
    this.labels = r.L;
    const values = ytuningInit(r);
    this.params = ytuningParamSpecs(r).map(({ name, shape, decay }) => {
      const v = init?.[name] ?? values[name];
      const n = shape.reduce((a, b) => a * b, 1);
      if (v.length !== n) throw new Error(`ytuning: init for ${name} has ${v.length} values, expected ${n}`);
      const value = e.tensor(shape, `ytuning.${name}`, Float32Array.from(v));
      const grad = e.zeros(shape, `ytuning.d${name}`);
      this.p[name] = value;
      this.g[name] = grad;
      return { name, value, grad, decay };
    });
    const { L, C, d } = r;
    this.seeds = r.seeds ? e.tensor([L, C], 'ytuning.seeds', Float32Array.from(r.seeds)) : null;
    const eye = new Float32Array(L * L);
    for (let i = 0; i < L; i++) eye[i * L + i] = 1;
    this.eyeL = e.tensor([L, L], 'ytuning.eyeL', eye);
    this.one = e.tensor([1, 1], 'ytuning.one', [1]);
    this.Q0lin = r.seeds ? e.tensor([L, d], 'ytuning.Q0lin') : null;
    this.Q0 = e.tensor([L, d], 'ytuning.Q0');
    this.dQ0 = e.tensor([L, d], 'ytuning.dQ0');
    this.zeroD = e.zeros([d], 'ytuning.zeroD');
    this.scratchD = e.zeros([d], 'ytuning.scratchD');
  }

  private concatMats(T: number): { S: GpuTensor; eT: GpuTensor } {
    let c = this.concat.get(T);
    if (!c) {
      const S = new Float32Array((T + 1) * T);
      for (let t = 0; t < T; t++) S[t * T + t] = 1;
      const eT = new Float32Array(T + 1);
      eT[T] = 1;
      c = { S: this.e.tensor([T + 1, T], `ytuning.S${T}`, S), eT: this.e.tensor([T + 1, 1], `ytuning.e${T}`, eT) };
      this.concat.set(T, c);
    }
    return c;
  }

  private workspace(B: number, T: number): Workspace {
    if (this.ws && this.ws.B === B && this.ws.T === T) return this.ws;
    if (this.ws) for (const t of this.ws.all) t.release();
    const { L, d, H, N, ffn } = this.config;
    const dh = d / H;
    const Tm = T + 1;
    const rows = B * L;
    const all: GpuTensor[] = [];
    const t = (shape: number[], label: string) => {
      const x = this.e.tensor(shape, `ytuning.${label}`);
      all.push(x);
      return x;
    };
    const ln = (x: GpuTensor, r: number, label: string): LnSaved => ({ x, y: t([r, d], `${label}.y`), mean: t([r], `${label}.mean`), rstd: t([r], `${label}.rstd`) });
    const att = (Lk: number, label: string) => {
      const x = attentionSaved(this.e, { B, Lq: L, Lk, H, dh }, `ytuning.${label}`);
      all.push(x);
      return x;
    };
    const X0 = t([B, L, d], 'X0');
    const layers: LayerWs[] = [];
    let X = X0;
    for (let i = 0; i < N; i++) {
      const l = `l${i}.`;
      const a1 = ln(X, rows, l + 'ln1');
      const X1 = t([B, L, d], l + 'X1');
      const a2 = ln(X1, rows, l + 'ln2');
      const X2 = t([B, L, d], l + 'X2');
      const a3 = ln(X2, rows, l + 'ln3');
      const X3 = t([B, L, d], l + 'X3');
      layers.push({
        a1,
        sq: t([B, L, d], l + 'sq'),
        sk: t([B, L, d], l + 'sk'),
        sv: t([B, L, d], l + 'sv'),
        sOut: t([B, L, d], l + 'sOut'),
        sP: att(L, l + 'sP'),
        sProj: t([B, L, d], l + 'sProj'),
        X1,
        a2,
        cq: t([B, L, d], l + 'cq'),
        ck: t([B, Tm, d], l + 'ck'),
        cv: t([B, Tm, d], l + 'cv'),
        cOut: t([B, L, d], l + 'cOut'),
        cP: att(Tm, l + 'cP'),
        cProj: t([B, L, d], l + 'cProj'),
        X2,
        a3,
        pre: t([rows, ffn], l + 'pre'),
        act: t([rows, ffn], l + 'act'),
        fProj: t([B, L, d], l + 'fProj'),
        X3,
      });
      X = X3;
    }
    this.ws = {
      B,
      T,
      all,
      X0,
      G: this.config.pair ? t([B, 4 * this.config.C], 'G') : null,
      tok: ln(t([B * T, d], 'tokPre'), B * T, 'tok'),
      pool: ln(t([B, d], 'poolPre'), B, 'pool'),
      M: t([B, Tm, d], 'M'),
      maskExt: t([B, Tm], 'maskExt'),
      layers,
      fin: ln(X, rows, 'fin'),
      Z: t([B, L], 'Z'),
      dX: t([rows, d], 'dX'),
      dTmp: t([rows, d], 'dTmp'),
      dA: t([rows, d], 'dA'),
      dAtt: t([rows, d], 'dAtt'),
      dq: t([rows, d], 'dq'),
      dk: t([rows, d], 'dk'),
      dv: t([rows, d], 'dv'),
      dSs: att(L, 'dSs'),
      dKm: t([B * Tm, d], 'dKm'),
      dVm: t([B * Tm, d], 'dVm'),
      dSc: att(Tm, 'dSc'),
      dM: t([B * Tm, d], 'dM'),
      dAct: t([rows, ffn], 'dAct'),
      dPre: t([rows, ffn], 'dPre'),
      dTok: t([B * T, d], 'dTok'),
      dTokPre: t([B * T, d], 'dTokPre'),
      dPool: t([B, d], 'dPool'),
      dPoolPre: t([B, d], 'dPoolPre'),
    };
    return this.ws;
  }

  private checkBatch(batch: HeadBatch): void {
    const { B, T } = batch;
    const { C, pair } = this.config;
    if (pair && !batch.pooledB) {
      throw new Error('ytuning: this head was built for pairs encoded side by side (pair: true) but batch.pooledB is null; give side B\'s pooled vectors, or build the head without pair');
    }
    if (!pair && batch.pooledB) {
      throw new Error('ytuning: this head was built for single texts but the batch holds pairs (batch.pooledB); build the head with pair: true');
    }
    const want: [string, GpuTensor, number][] = [['tokens', batch.tokens, B * T * C], ['mask', batch.mask, B * T], ['pooled', batch.pooled, B * C]];
    if (batch.pooledB) want.push(['pooledB', batch.pooledB, B * C]);
    for (const [name, x, n] of want) {
      if (x.size !== n) throw new Error(`ytuning: batch.${name} "${x.label}" has ${x.size} elements, expected ${n} for B ${B}, T ${T}, C ${C}`);
    }
  }

  /** beta null: the final LN, which has no shift (zeros bound instead; its would-be gradient goes to a scratch). */
  private lnF(s: LnSaved, gamma: string, beta: string | null, rows: number): void {
    const { d, lnEps } = this.config;
    const b = beta ? this.p[beta] : this.zeroD;
    layerNormForward(this.e, { x: s.x, gamma: this.p[gamma], beta: b, y: s.y, mean: s.mean, rstd: s.rstd }, { rows, dim: d, eps: lnEps });
  }

  private lnB(s: LnSaved, gamma: string, beta: string | null, dY: GpuTensor, dX: GpuTensor, rows: number): void {
    const { d } = this.config;
    const dBeta = beta ? this.g[beta] : this.scratchD;
    layerNormBackward(
      this.e,
      { x: s.x, gamma: this.p[gamma], mean: s.mean, rstd: s.rstd, dY, dX, dGamma: this.g[gamma], dBeta },
      { rows, dim: d },
    );
  }

  forward(e: GpuEngine, batch: HeadBatch, _train: boolean): GpuTensor {
    void _train; // no dropout yet
    this.checkBatch(batch);
    const { B, T } = batch;
    const { C, L, d, H, ffn } = this.config;
    const dh = d / H;
    const Tm = T + 1;
    const rows = B * L;
    const { p } = this;
    const w = this.workspace(B, T);
    const { S, eT } = this.concatMats(T);
    // label queries, broadcast over the batch
    if (this.seeds) {
      linearForward(e, this.seeds, p.Ws, p.bs, this.Q0lin!, { rows: L, K: C, N: d });
      addForward(e, this.Q0lin!, p.E, this.Q0);
    }
    const Q0 = this.seeds ? this.Q0 : p.E;
    matmul(e, this.eyeL, Q0, w.X0, { batch: B, M: L, K: L, N: d, aBatched: false, bBatched: false });
    // memory: token rows, then the pooled token; key mask likewise
    linearForward(e, batch.tokens, p.Wf, p.bf, w.tok.x, { rows: B * T, K: C, N: d });
    this.lnF(w.tok, 'mg', 'mb', B * T);
    if (w.G) {
      pairFeatures(e, batch.pooled, batch.pooledB!, w.G, { B, C });
      linearForward(e, w.G, p.Wp, p.bp, w.pool.x, { rows: B, K: 4 * C, N: d });
    } else {
      linearForward(e, batch.pooled, p.Wp, p.bp, w.pool.x, { rows: B, K: C, N: d });
    }
    this.lnF(w.pool, 'pg', 'pb', B);
    matmul(e, S, w.tok.y, w.M, { batch: B, M: Tm, K: T, N: d, aBatched: false });
    matmul(e, eT, w.pool.y, w.M, { batch: B, M: Tm, K: 1, N: d, aBatched: false, accumulate: true });
    matmul(e, S, batch.mask, w.maskExt, { batch: B, M: Tm, K: T, N: 1, aBatched: false });
    matmul(e, eT, this.one, w.maskExt, { batch: B, M: Tm, K: 1, N: 1, aBatched: false, bBatched: false, accumulate: true });
    // decoder layers
    const lin = (x: GpuTensor, W: string, b: string | null, y: GpuTensor, r: number, K = d, N = d) => linearForward(e, x, p[W], b ? p[b] : null, y, { rows: r, K, N });
    for (let i = 0; i < this.config.N; i++) {
      const l = `l${i}.`;
      const c = w.layers[i];
      this.lnF(c.a1, l + 'ln1g', l + 'ln1b', rows);
      lin(c.a1.y, l + 'Wsq', l + 'bsq', c.sq, rows);
      lin(c.a1.y, l + 'Wsk', null, c.sk, rows); // keys have no bias (see ytuning-config.ts)
      lin(c.a1.y, l + 'Wsv', l + 'bsv', c.sv, rows);
      attentionForward(e, { q: c.sq, k: c.sk, v: c.sv, keyMask: null, out: c.sOut, probs: c.sP }, { B, Lq: L, Lk: L, H, dh });
      lin(c.sOut, l + 'Wso', l + 'bso', c.sProj, rows);
      addForward(e, c.a1.x, c.sProj, c.X1);
      this.lnF(c.a2, l + 'ln2g', l + 'ln2b', rows);
      lin(c.a2.y, l + 'Wcq', l + 'bcq', c.cq, rows);
      lin(w.M, l + 'Wck', null, c.ck, B * Tm);
      lin(w.M, l + 'Wcv', l + 'bcv', c.cv, B * Tm);
      attentionForward(e, { q: c.cq, k: c.ck, v: c.cv, keyMask: w.maskExt, out: c.cOut, probs: c.cP }, { B, Lq: L, Lk: Tm, H, dh });
      lin(c.cOut, l + 'Wco', l + 'bco', c.cProj, rows);
      addForward(e, c.X1, c.cProj, c.X2);
      this.lnF(c.a3, l + 'ln3g', l + 'ln3b', rows);
      lin(c.a3.y, l + 'W1', l + 'b1', c.pre, rows, d, ffn);
      geluForward(e, c.pre, c.act);
      lin(c.act, l + 'W2', l + 'b2', c.fProj, rows, ffn, d);
      addForward(e, c.X2, c.fProj, c.X3);
    }
    // scores
    this.lnF(w.fin, 'lnfg', null, rows);
    linearForward(e, w.fin.y, p.u, null, w.Z, { rows, K: d, N: 1 });
    matmul(e, this.eyeL, p.c, w.Z, { batch: B, M: L, K: L, N: 1, aBatched: false, bBatched: false, accumulate: true });
    if (w.G) matmul(e, w.G, p.Wsc, w.Z, { M: B, K: 4 * C, N: L, accumulate: true }); // the pair shortcut
    return w.Z;
  }

  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void {
    this.checkBatch(batch);
    const w = this.ws;
    if (!w || w.B !== batch.B || w.T !== batch.T) throw new Error('ytuning.backward: no forward of this batch shape to differentiate');
    const { B, T } = batch;
    if (dLogits.size !== B * this.config.L) throw new Error(`ytuning.backward: dLogits has ${dLogits.size} elements, expected (B, L) = (${B}, ${this.config.L})`);
    const { C, L, d, H, ffn, N } = this.config;
    const dh = d / H;
    const Tm = T + 1;
    const rows = B * L;
    const { p, g } = this;
    const { S, eT } = this.concatMats(T);
    // scores
    matmul(e, this.eyeL, dLogits, g.c, { batch: B, M: L, K: L, N: 1, transA: true, aBatched: false, sumBatch: true, accumulate: true });
    linearBackward(e, { x: w.fin.y, W: p.u, dY: dLogits, dX: w.dA, dW: g.u, db: null }, { rows, K: d, N: 1 });
    this.lnB(w.fin, 'lnfg', null, w.dA, w.dX, rows);
    // decoder layers, last first; w.dX carries the residual stream's gradient
    const lin = (x: GpuTensor, W: string, b: string, dY: GpuTensor, dX: GpuTensor | null, r: number, K = d, Nn = d) =>
      linearBackward(e, { x, W: p[W], dY, dX, dW: g[W], db: g[b] }, { rows: r, K, N: Nn });
    // x W + b where dX accumulates into an existing gradient (a tensor feeding several projections)
    const linAcc = (x: GpuTensor, W: string, b: string | null, dY: GpuTensor, dX: GpuTensor, r: number, accumulateDA: boolean) => {
      matmulBackward(e, { A: x, B: p[W], dY, dA: dX, dB: g[W] }, { M: r, K: d, N: d, bBatched: false, accumulateDA, accumulateDB: true });
      if (b) biasGrad(e, dY, g[b], { rows: r, N: d });
    };
    for (let i = N - 1; i >= 0; i--) {
      const l = `l${i}.`;
      const c = w.layers[i];
      // FFN
      lin(c.act, l + 'W2', l + 'b2', w.dX, w.dAct, rows, ffn, d);
      geluBackward(e, c.pre, w.dAct, w.dPre);
      lin(c.a3.y, l + 'W1', l + 'b1', w.dPre, w.dA, rows, d, ffn);
      this.lnB(c.a3, l + 'ln3g', l + 'ln3b', w.dA, w.dTmp, rows);
      addAccumulate(e, w.dX, w.dTmp);
      // cross-attention
      lin(c.cOut, l + 'Wco', l + 'bco', w.dX, w.dAtt, rows);
      attentionBackward(e, { q: c.cq, k: c.ck, v: c.cv, probs: c.cP, dOut: w.dAtt, dQ: w.dq, dK: w.dKm, dV: w.dVm, dScores: w.dSc }, { B, Lq: L, Lk: Tm, H, dh });
      lin(c.a2.y, l + 'Wcq', l + 'bcq', w.dq, w.dA, rows);
      linAcc(w.M, l + 'Wck', null, w.dKm, w.dM, B * Tm, i !== N - 1);
      linAcc(w.M, l + 'Wcv', l + 'bcv', w.dVm, w.dM, B * Tm, true);
      this.lnB(c.a2, l + 'ln2g', l + 'ln2b', w.dA, w.dTmp, rows);
      addAccumulate(e, w.dX, w.dTmp);
      // label self-attention
      lin(c.sOut, l + 'Wso', l + 'bso', w.dX, w.dAtt, rows);
      attentionBackward(e, { q: c.sq, k: c.sk, v: c.sv, probs: c.sP, dOut: w.dAtt, dQ: w.dq, dK: w.dk, dV: w.dv, dScores: w.dSs }, { B, Lq: L, Lk: L, H, dh });
      linAcc(c.a1.y, l + 'Wsq', l + 'bsq', w.dq, w.dA, rows, false);
      linAcc(c.a1.y, l + 'Wsk', null, w.dk, w.dA, rows, true);
      linAcc(c.a1.y, l + 'Wsv', l + 'bsv', w.dv, w.dA, rows, true);
      this.lnB(c.a1, l + 'ln1g', l + 'ln1b', w.dA, w.dTmp, rows);
      addAccumulate(e, w.dX, w.dTmp);
    }
    // label queries: dQ0 = sum over the batch
    matmul(e, this.eyeL, w.dX, this.dQ0, { batch: B, M: L, K: L, N: d, transA: true, aBatched: false, sumBatch: true });
    addAccumulate(e, g.E, this.dQ0);
    if (this.seeds) linearBackward(e, { x: this.seeds, W: p.Ws, dY: this.dQ0, dX: null, dW: g.Ws, db: g.bs }, { rows: L, K: C, N: d });
    // memory: split dM into the token rows and the pooled row
    matmul(e, S, w.dM, w.dTok, { batch: B, M: T, K: Tm, N: d, transA: true, aBatched: false });
    matmul(e, eT, w.dM, w.dPool, { batch: B, M: 1, K: Tm, N: d, transA: true, aBatched: false });
    this.lnB(w.tok, 'mg', 'mb', w.dTok, w.dTokPre, B * T);
    linearBackward(e, { x: batch.tokens, W: p.Wf, dY: w.dTokPre, dX: null, dW: g.Wf, db: g.bf }, { rows: B * T, K: C, N: d });
    this.lnB(w.pool, 'pg', 'pb', w.dPool, w.dPoolPre, B);
    if (w.G) {
      linearBackward(e, { x: w.G, W: p.Wp, dY: w.dPoolPre, dX: null, dW: g.Wp, db: g.bp }, { rows: B, K: 4 * C, N: d });
      linearBackward(e, { x: w.G, W: p.Wsc, dY: dLogits, dX: null, dW: g.Wsc, db: null }, { rows: B, K: 4 * C, N: L });
    } else {
      linearBackward(e, { x: batch.pooled, W: p.Wp, dY: w.dPoolPre, dX: null, dW: g.Wp, db: g.bp }, { rows: B, K: C, N: d });
    }
  }

  /**
   * Run a forward of `batch` (inference: no dropout, no gradients) and read back the last decoder layer's
   * cross-attention probabilities, which the attention kernel saves for the backward anyway. Submits the recorded
   * work (a readback); the head's workspace then holds this batch's forward.
   */
  async crossAttention(e: GpuEngine, batch: HeadBatch): Promise<CrossAttentionMap> {
    this.forward(e, batch, false);
    const { H, L, N } = this.config;
    const weights = await this.ws!.layers[N - 1].cP.read();
    return { weights, B: batch.B, H, L, Tm: batch.T + 1 };
  }

  dispose(): void {
    if (this.ws) for (const t of this.ws.all) t.release();
    this.ws = null;
    for (const { value, grad } of this.params) {
      value.release();
      grad.release();
    }
    for (const { S, eT } of this.concat.values()) {
      S.release();
      eT.release();
    }
    this.concat.clear();
    for (const t of [this.seeds, this.eyeL, this.one, this.Q0lin, this.Q0, this.dQ0, this.zeroD, this.scratchD]) t?.release();
  }
}

export function createYTuningHead(e: GpuEngine, cfg: YTuningConfig, init?: Record<string, ArrayLike<number>>): YTuningHead {
  return new YTuningHead(e, cfg, init);
}
