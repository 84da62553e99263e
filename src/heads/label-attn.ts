// Label attention over cached features, version 2 (kinds `label-attn-prefix` / `label-attn-prompt`) on the GPU,
// composed from existing kernels; float64 oracle: reference/heads/label-attn.ts (the formulas), config and init:
// ./label-attn-config.ts. Version 1 (./ltuning-prefix.ts, ./ltuning-prompt.ts) stays for old files.
// Design decision: everything that depends only on the labels — the prefix pooling and Z (or the prompt map G),
// LN_1 and the query projection — runs once per forward on (Lq, d) and is broadcast over the batch with a constant
// identity matmul (stride 0); its backward sums over the batch the same way. The memory [token rows; pooled token]
// is built as in Y-Tuning (shifted-eye concatenation matrices, the pair-features kernel for side-by-side pairs).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { addAccumulate, addForward } from '../kernels/add';
import { attentionBackward, attentionForward, attentionSaved } from '../kernels/attention';
import { geluBackward, geluForward } from '../kernels/gelu';
import { layerNormBackward, layerNormForward } from '../kernels/layernorm';
import { biasGrad, linearBackward, linearForward, matmul, matmulBackward } from '../kernels/matmul';
import { pairFeatures } from '../kernels/pair-features';
import { shiftedEye } from '../kernels/shifted-eye';
import type { Head, HeadBatch, HeadParam } from './head';
import { labelAttnInit, labelAttnParamSpecs, resolveLabelAttn, type LabelAttnConfig, type LabelAttnKind, type LabelAttnResolved } from './label-attn-config';
import { ParamSet, type LnSaved } from './param-set';

interface Ws {
  B: number;
  T: number;
  all: GpuTensor[];
  G: GpuTensor | null; // (B, 4C) pair features
  tok: LnSaved; // (B*T, d)
  pool: LnSaved; // (B, d)
  M: GpuTensor; // (B, Tm, d)
  maskExt: GpuTensor; // (B, Tm)
  q: GpuTensor; // (B, Lq, d)
  k: GpuTensor; // (B, Tm, d)
  v: GpuTensor; // (B, Tm, d)
  out: GpuTensor; // (B, Lq, d)
  probs: GpuTensor; // (B, H, Lq, Tm)
  o: GpuTensor; // (B, Lq, d)
  X0b: GpuTensor; // (B, Lq, d) X0 broadcast
  a2: LnSaved; // x = X1 (B*Lq, d)
  pre: GpuTensor; // (B*Lq, ffn)
  act: GpuTensor; // (B*Lq, ffn)
  f: GpuTensor; // (B*Lq, d)
  X2: GpuTensor; // (B*Lq, d)
  fin: LnSaved; // x = h (B*L, d)
  Z: GpuTensor; // (B, L)
  dA: GpuTensor; // (B*L, d)
  dH: GpuTensor; // (B*L, d)
  dX: GpuTensor; // (B*Lq, d) residual stream gradient
  dTmp: GpuTensor; // (B*Lq, d)
  dAct: GpuTensor; // (B*Lq, ffn)
  dPre: GpuTensor; // (B*Lq, ffn)
  dAtt: GpuTensor; // (B*Lq, d)
  dq: GpuTensor; // (B, Lq, d)
  dK: GpuTensor; // (B*Tm, d)
  dV: GpuTensor; // (B*Tm, d)
  dS: GpuTensor; // (B, H, Lq, Tm)
  dM: GpuTensor; // (B*Tm, d)
  dTok: GpuTensor; // (B*T, d)
  dTokPre: GpuTensor; // (B*T, d)
  dPool: GpuTensor; // (B, d)
  dPoolPre: GpuTensor; // (B, d)
}

export class LabelAttnHead implements Head {
  readonly labels: number;
  readonly params: HeadParam[];
  readonly config: LabelAttnResolved;
  private readonly p: Record<string, GpuTensor>;
  private readonly g: Record<string, GpuTensor>;
  private readonly paramSet: ParamSet;
  private readonly owned: GpuTensor[] = [];
  private readonly concat = new Map<number, { S: GpuTensor; eT: GpuTensor }>();
  private ws: Ws | null = null;
  // label-side constants and once-per-forward tensors
  private readonly Y: GpuTensor | null; // (L, Tl, C) unit-rms label token states (prefix)
  private readonly Ymask: GpuTensor | null; // (L, Tl)
  private readonly S: GpuTensor | null; // (L, C) unit-rms label seeds (prompt)
  private readonly onesL: GpuTensor; // (L, 1)
  private readonly eyeL: GpuTensor; // (L, L)
  private readonly eyeLq: GpuTensor; // (Lq, Lq)
  private readonly avg: GpuTensor; // (L, Lq): 1/m at [l, l*m + j]
  private readonly one: GpuTensor; // (1, 1)
  private readonly zeroD: GpuTensor; // (d) the final LN's absent shift
  private readonly scratchD: GpuTensor; // (d) its would-be gradient
  private readonly qa: GpuTensor; // (L, 1, C) wa broadcast (prefix)
  private readonly poolP: GpuTensor; // (L, 1, 1, Tl) pooling probabilities (prefix)
  private readonly pl: GpuTensor; // (L, C) pooled label states (prefix)
  private readonly X0: GpuTensor; // (Lq, d) label query rows
  private readonly a1: LnSaved; // LN_1(X0) (Lq, d)
  private readonly qs: GpuTensor; // (Lq, d) queries
  private readonly dqs: GpuTensor; // (Lq, d)
  private readonly da1: GpuTensor; // (Lq, d)
  private readonly dX0: GpuTensor; // (Lq, d)
  private readonly dpl: GpuTensor; // (L, C)
  private readonly dqa: GpuTensor; // (L, C)
  private readonly dYk: GpuTensor; // (L, Tl, C) scratch (label inputs are constants)
  private readonly dYv: GpuTensor; // (L, Tl, C) scratch
  private readonly dSpool: GpuTensor; // (L, 1, 1, Tl)

  constructor(
    private readonly e: GpuEngine,
    readonly kind: LabelAttnKind,
    cfg: LabelAttnConfig,
    init?: Record<string, ArrayLike<number>>,
  ) {
    const r = (this.config = resolveLabelAttn(kind, cfg));
    this.labels = r.L;
    this.paramSet = new ParamSet(e, kind, labelAttnParamSpecs(r), labelAttnInit(r), init);
    ({ params: this.params, p: this.p, g: this.g } = this.paramSet);
    const { L, C, d, m, Tl, Lq } = r;
    const t = (shape: number[], label: string, data?: ArrayLike<number>) => this.own(shape, label, data);
    const eye = (n: number) => {
      const x = new Float32Array(n * n);
      for (let i = 0; i < n; i++) x[i * n + i] = 1;
      return x;
    };
    const prefix = kind === 'label-attn-prefix';
    this.Y = prefix ? t([L, Tl, C], 'Y', Float32Array.from(r.Y!)) : null;
    this.Ymask = prefix ? t([L, Tl], 'Ymask', Float32Array.from(r.labelMask!)) : null;
    this.S = prefix ? null : t([L, C], 'S', Float32Array.from(r.S!));
    this.onesL = t([L, 1], 'onesL', new Float32Array(L).fill(1));
    this.eyeL = t([L, L], 'eyeL', eye(L));
    this.eyeLq = t([Lq, Lq], 'eyeLq', eye(Lq));
    const avg = new Float32Array(L * Lq);
    for (let l = 0; l < L; l++) for (let j = 0; j < m; j++) avg[l * Lq + l * m + j] = 1 / m;
    this.avg = t([L, Lq], 'avg', avg);
    this.one = t([1, 1], 'one', [1]);
    this.zeroD = t([d], 'zeroD', new Float32Array(d));
    this.scratchD = t([d], 'scratchD', new Float32Array(d));
    const pc = prefix ? C : 1; // prefix-only tensors are 1-element placeholders for the prompt kind
    const ptl = prefix ? Tl : 1;
    this.qa = t([L, 1, pc], 'qa');
    this.poolP = t([L, 1, 1, ptl], 'poolP');
    this.pl = t([L, pc], 'pl');
    this.dpl = t([L, pc], 'dpl');
    this.dqa = t([L, pc], 'dqa');
    this.dYk = t([L, ptl, pc], 'dYk');
    this.dYv = t([L, ptl, pc], 'dYv');
    this.dSpool = t([L, 1, 1, ptl], 'dSpool');
    this.X0 = t([Lq, d], 'X0');
    this.a1 = { x: this.X0, y: t([Lq, d], 'a1.y'), mean: t([Lq], 'a1.mean'), rstd: t([Lq], 'a1.rstd') };
    this.qs = t([Lq, d], 'qs');
    this.dqs = t([Lq, d], 'dqs');
    this.da1 = t([Lq, d], 'da1');
    this.dX0 = t([Lq, d], 'dX0');
  }

  private own(shape: number[], label: string, data?: ArrayLike<number>): GpuTensor {
    const x = this.e.tensor(shape, `${this.kind}.${label}`, data);
    this.owned.push(x);
    return x;
  }

  private concatMats(T: number): { S: GpuTensor; eT: GpuTensor } {
    let c = this.concat.get(T);
    if (!c) {
      c = { S: this.e.tensor([T + 1, T], `${this.kind}.S${T}`), eT: this.e.tensor([T + 1, 1], `${this.kind}.e${T}`) };
      shiftedEye(this.e, c.S, { rows: T + 1, cols: T, offset: 0 });
      shiftedEye(this.e, c.eT, { rows: T + 1, cols: 1, offset: T });
      this.concat.set(T, c);
    }
    return c;
  }

  private workspace(B: number, T: number): Ws {
    if (this.ws && this.ws.B === B && this.ws.T === T) return this.ws;
    if (this.ws) for (const x of this.ws.all) x.release();
    const { C, L, d, H, ffn, Lq, pair } = this.config;
    const Tm = T + 1;
    const all: GpuTensor[] = [];
    const t = (shape: number[], label: string) => {
      const x = this.e.tensor(shape, `${this.kind}.${label}`);
      all.push(x);
      return x;
    };
    const ln = (x: GpuTensor, rows: number, label: string): LnSaved => ({ x, y: t([rows, d], `${label}.y`), mean: t([rows], `${label}.mean`), rstd: t([rows], `${label}.rstd`) });
    const att = (label: string) => {
      const x = attentionSaved(this.e, { B, Lq, Lk: Tm, H, dh: d / H }, `${this.kind}.${label}`);
      all.push(x);
      return x;
    };
    const X1 = t([B * Lq, d], 'X1');
    this.ws = {
      B,
      T,
      all,
      G: pair ? t([B, 4 * C], 'G') : null,
      tok: ln(t([B * T, d], 'tokPre'), B * T, 'tok'),
      pool: ln(t([B, d], 'poolPre'), B, 'pool'),
      M: t([B, Tm, d], 'M'),
      maskExt: t([B, Tm], 'maskExt'),
      q: t([B, Lq, d], 'q'),
      k: t([B, Tm, d], 'k'),
      v: t([B, Tm, d], 'v'),
      out: t([B, Lq, d], 'out'),
      probs: att('probs'),
      o: t([B, Lq, d], 'o'),
      X0b: t([B, Lq, d], 'X0b'),
      a2: ln(X1, B * Lq, 'a2'),
      pre: t([B * Lq, ffn], 'pre'),
      act: t([B * Lq, ffn], 'act'),
      f: t([B * Lq, d], 'f'),
      X2: t([B * Lq, d], 'X2'),
      fin: ln(t([B * L, d], 'h'), B * L, 'fin'),
      Z: t([B, L], 'Z'),
      dA: t([B * L, d], 'dA'),
      dH: t([B * L, d], 'dH'),
      dX: t([B * Lq, d], 'dX'),
      dTmp: t([B * Lq, d], 'dTmp'),
      dAct: t([B * Lq, ffn], 'dAct'),
      dPre: t([B * Lq, ffn], 'dPre'),
      dAtt: t([B * Lq, d], 'dAtt'),
      dq: t([B, Lq, d], 'dq'),
      dK: t([B * Tm, d], 'dK'),
      dV: t([B * Tm, d], 'dV'),
      dS: att('dS'),
      dM: t([B * Tm, d], 'dM'),
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
    if (pair && !batch.pooledB) throw new Error(`${this.kind}: this head was built for pairs encoded side by side but batch.pooledB is null`);
    if (!pair && batch.pooledB) throw new Error(`${this.kind}: this head was built for single texts but the batch holds pairs (batch.pooledB); build it with pair: true`);
    const want: [string, GpuTensor, number][] = [['tokens', batch.tokens, B * T * C], ['mask', batch.mask, B * T], ['pooled', batch.pooled, B * C]];
    if (batch.pooledB) want.push(['pooledB', batch.pooledB, B * C]);
    for (const [name, x, n] of want) {
      if (x.size !== n) throw new Error(`${this.kind}: batch.${name} "${x.label}" has ${x.size} elements, expected ${n} for B ${B}, T ${T}, C ${C}`);
    }
  }

  private lnF(s: LnSaved, gamma: string, beta: string | null, rows: number): void {
    const { d, lnEps } = this.config;
    layerNormForward(this.e, { x: s.x, gamma: this.p[gamma], beta: beta ? this.p[beta] : this.zeroD, y: s.y, mean: s.mean, rstd: s.rstd }, { rows, dim: d, eps: lnEps });
  }

  private lnB(s: LnSaved, gamma: string, beta: string | null, dY: GpuTensor, dX: GpuTensor, rows: number): void {
    const dBeta = beta ? this.g[beta] : this.scratchD;
    layerNormBackward(this.e, { x: s.x, gamma: this.p[gamma], mean: s.mean, rstd: s.rstd, dY, dX, dGamma: this.g[gamma], dBeta }, { rows, dim: this.config.d });
  }

  forward(e: GpuEngine, batch: HeadBatch, _train: boolean): GpuTensor {
    void _train; // no dropout
    this.checkBatch(batch);
    const { B, T } = batch;
    const { C, L, d, H, m, ffn, Tl, Lq } = this.config;
    const Tm = T + 1;
    const { p } = this;
    const w = this.workspace(B, T);
    const { S, eT } = this.concatMats(T);
    // label query rows X0 (Lq, d) and their queries, once per forward
    if (this.Y) {
      matmul(e, this.onesL, p.wa, this.qa, { M: L, K: 1, N: C });
      attentionForward(e, { q: this.qa, k: this.Y, v: this.Y, keyMask: this.Ymask, out: this.pl, probs: this.poolP }, { B: L, Lq: 1, Lk: Tl, H: 1, dh: C, scale: 1 });
      linearForward(e, this.pl, p.Wz, p.bz, this.X0, { rows: L, K: C, N: m * d });
    } else {
      linearForward(e, this.S!, p.Wg, p.bg, this.X0, { rows: L, K: C, N: d });
    }
    this.lnF(this.a1, 'ln1g', 'ln1b', Lq);
    linearForward(e, this.a1.y, p.Wq, p.bq, this.qs, { rows: Lq, K: d, N: d });
    const bc = { batch: B, M: Lq, K: Lq, N: d, aBatched: false, bBatched: false };
    matmul(e, this.eyeLq, this.qs, w.q, bc);
    matmul(e, this.eyeLq, this.X0, w.X0b, bc);
    // memory: token rows, then the pooled token (pairs: from g = [u, v, |u-v|, u*v]); key mask likewise
    linearForward(e, batch.tokens, p.Wf, p.bf, w.tok.x, { rows: B * T, K: C, N: d });
    this.lnF(w.tok, 'mg', 'mb', B * T);
    if (w.G) pairFeatures(e, batch.pooled, batch.pooledB!, w.G, { B, C });
    linearForward(e, w.G ?? batch.pooled, p.Wp, p.bp, w.pool.x, { rows: B, K: w.G ? 4 * C : C, N: d });
    this.lnF(w.pool, 'pg', 'pb', B);
    matmul(e, S, w.tok.y, w.M, { batch: B, M: Tm, K: T, N: d, aBatched: false });
    matmul(e, eT, w.pool.y, w.M, { batch: B, M: Tm, K: 1, N: d, aBatched: false, accumulate: true });
    matmul(e, S, batch.mask, w.maskExt, { batch: B, M: Tm, K: T, N: 1, aBatched: false });
    matmul(e, eT, this.one, w.maskExt, { batch: B, M: Tm, K: 1, N: 1, aBatched: false, bBatched: false, accumulate: true });
    // cross-attention block, FFN block (both residual)
    linearForward(e, w.M, p.Wk, null, w.k, { rows: B * Tm, K: d, N: d });
    linearForward(e, w.M, p.Wv, p.bv, w.v, { rows: B * Tm, K: d, N: d });
    attentionForward(e, { q: w.q, k: w.k, v: w.v, keyMask: w.maskExt, out: w.out, probs: w.probs }, { B, Lq, Lk: Tm, H, dh: d / H });
    linearForward(e, w.out, p.Wo, p.bo, w.o, { rows: B * Lq, K: d, N: d });
    addForward(e, w.X0b, w.o, w.a2.x);
    this.lnF(w.a2, 'ln2g', 'ln2b', B * Lq);
    linearForward(e, w.a2.y, p.W1, p.b1, w.pre, { rows: B * Lq, K: d, N: ffn });
    geluForward(e, w.pre, w.act);
    linearForward(e, w.act, p.W2, p.b2, w.f, { rows: B * Lq, K: ffn, N: d });
    addForward(e, w.a2.x, w.f, w.X2);
    // mean over a label's rows, final LN, score + per-label bias (+ the pair shortcut)
    matmul(e, this.avg, w.X2, w.fin.x, { batch: B, M: L, K: Lq, N: d, aBatched: false });
    this.lnF(w.fin, 'lnfg', null, B * L);
    linearForward(e, w.fin.y, p.u, null, w.Z, { rows: B * L, K: d, N: 1 });
    matmul(e, this.eyeL, p.c, w.Z, { batch: B, M: L, K: L, N: 1, aBatched: false, bBatched: false, accumulate: true });
    if (w.G) matmul(e, w.G, p.Wsc, w.Z, { M: B, K: 4 * C, N: L, accumulate: true });
    return w.Z;
  }

  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void {
    this.checkBatch(batch);
    const w = this.ws;
    if (!w || w.B !== batch.B || w.T !== batch.T) throw new Error(`${this.kind}.backward: no forward of this batch shape to differentiate`);
    const { B, T } = batch;
    const { C, L, d, H, m, ffn, Tl, Lq } = this.config;
    if (dLogits.size !== B * L) throw new Error(`${this.kind}.backward: dLogits has ${dLogits.size} elements, expected (B, L) = (${B}, ${L})`);
    const Tm = T + 1;
    const { p, g } = this;
    const { S, eT } = this.concatMats(T);
    matmul(e, this.eyeL, dLogits, g.c, { batch: B, M: L, K: L, N: 1, transA: true, aBatched: false, sumBatch: true, accumulate: true });
    if (w.G) linearBackward(e, { x: w.G, W: p.Wsc, dY: dLogits, dX: null, dW: g.Wsc, db: null }, { rows: B, K: 4 * C, N: L });
    linearBackward(e, { x: w.fin.y, W: p.u, dY: dLogits, dX: w.dA, dW: g.u, db: null }, { rows: B * L, K: d, N: 1 });
    this.lnB(w.fin, 'lnfg', null, w.dA, w.dH, B * L);
    matmul(e, this.avg, w.dH, w.dX, { batch: B, M: Lq, K: L, N: d, transA: true, aBatched: false });
    // FFN block
    linearBackward(e, { x: w.act, W: p.W2, dY: w.dX, dX: w.dAct, dW: g.W2, db: g.b2 }, { rows: B * Lq, K: ffn, N: d });
    geluBackward(e, w.pre, w.dAct, w.dPre);
    linearBackward(e, { x: w.a2.y, W: p.W1, dY: w.dPre, dX: w.dTmp, dW: g.W1, db: g.b1 }, { rows: B * Lq, K: d, N: ffn });
    this.lnB(w.a2, 'ln2g', 'ln2b', w.dTmp, w.dAtt, B * Lq);
    addAccumulate(e, w.dX, w.dAtt); // dX = dL/dX1
    // cross-attention block
    linearBackward(e, { x: w.out, W: p.Wo, dY: w.dX, dX: w.dAtt, dW: g.Wo, db: g.bo }, { rows: B * Lq, K: d, N: d });
    attentionBackward(e, { q: w.q, k: w.k, v: w.v, probs: w.probs, dOut: w.dAtt, dQ: w.dq, dK: w.dK, dV: w.dV, dScores: w.dS }, { B, Lq, Lk: Tm, H, dh: d / H });
    matmulBackward(e, { A: w.M, B: p.Wk, dY: w.dK, dA: w.dM, dB: g.Wk }, { M: B * Tm, K: d, N: d, bBatched: false, accumulateDB: true });
    matmulBackward(e, { A: w.M, B: p.Wv, dY: w.dV, dA: w.dM, dB: g.Wv }, { M: B * Tm, K: d, N: d, bBatched: false, accumulateDA: true, accumulateDB: true });
    biasGrad(e, w.dV, g.bv, { rows: B * Tm, N: d });
    // label queries, shared by the batch: query path through Wq and LN_1, plus the residual path
    const sum = { batch: B, M: Lq, K: Lq, N: d, transA: true, aBatched: false, sumBatch: true };
    matmul(e, this.eyeLq, w.dq, this.dqs, sum);
    linearBackward(e, { x: this.a1.y, W: p.Wq, dY: this.dqs, dX: this.da1, dW: g.Wq, db: g.bq }, { rows: Lq, K: d, N: d });
    this.lnB(this.a1, 'ln1g', 'ln1b', this.da1, this.dX0, Lq);
    matmul(e, this.eyeLq, w.dX, this.dX0, { ...sum, accumulate: true });
    if (this.Y) {
      linearBackward(e, { x: this.pl, W: p.Wz, dY: this.dX0, dX: this.dpl, dW: g.Wz, db: g.bz }, { rows: L, K: C, N: m * d });
      attentionBackward(
        e,
        { q: this.qa, k: this.Y, v: this.Y, probs: this.poolP, dOut: this.dpl, dQ: this.dqa, dK: this.dYk, dV: this.dYv, dScores: this.dSpool },
        { B: L, Lq: 1, Lk: Tl, H: 1, dh: C, scale: 1 },
      );
      matmul(e, this.onesL, this.dqa, g.wa, { M: 1, K: L, N: C, transA: true, accumulate: true });
    } else {
      linearBackward(e, { x: this.S!, W: p.Wg, dY: this.dX0, dX: null, dW: g.Wg, db: g.bg }, { rows: L, K: C, N: d });
    }
    // memory: split dM into the token rows and the pooled row
    matmul(e, S, w.dM, w.dTok, { batch: B, M: T, K: Tm, N: d, transA: true, aBatched: false });
    matmul(e, eT, w.dM, w.dPool, { batch: B, M: 1, K: Tm, N: d, transA: true, aBatched: false });
    this.lnB(w.tok, 'mg', 'mb', w.dTok, w.dTokPre, B * T);
    linearBackward(e, { x: batch.tokens, W: p.Wf, dY: w.dTokPre, dX: null, dW: g.Wf, db: g.bf }, { rows: B * T, K: C, N: d });
    this.lnB(w.pool, 'pg', 'pb', w.dPool, w.dPoolPre, B);
    linearBackward(e, { x: w.G ?? batch.pooled, W: p.Wp, dY: w.dPoolPre, dX: null, dW: g.Wp, db: g.bp }, { rows: B, K: w.G ? 4 * C : C, N: d });
  }

  dispose(): void {
    if (this.ws) for (const x of this.ws.all) x.release();
    this.ws = null;
    this.paramSet.release();
    for (const { S, eT } of this.concat.values()) for (const x of [S, eT]) x.release();
    this.concat.clear();
    for (const x of this.owned) x.release();
    this.owned.length = 0;
  }
}
