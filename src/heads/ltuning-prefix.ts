// VERSION 1 of the label-attention kinds (label-attn-prefix / -prompt), kept so files saved before version 2
// (./label-attn.ts, issue 10 item 5) rebuild the architecture they were trained with; new heads are version 2.
// The L-Tuning prefix head (DESIGN.md §1, arXiv 2402.01643) on the GPU, composed from existing kernels; float64
// oracle: reference/heads/ltuning-prefix.ts, config/init: ./ltuning-config.ts. logits (B, L) are match scores of
// (text b, label l); the trainer's objective (match / no-match pairs, or softmax over labels) is its own business.
// NOTE: unlike the paper, the prefix does not enter the frozen encoder's own forward pass: it attends over CACHED
// text features through trainable layers (report results as such).
// Design decision: the L*m label prefixes are the queries of ONE attention call per batch (B examples, Lq = L*m
// queries, Lk = T text tokens), so every (b, l) pair is scored at once with the existing attention kernel.
// Label pooling a = softmax(Y_l wa) is that same kernel too (B = L, one query wa, keys = values = Y_l, scale 1),
// run once per forward since it depends only on wa and the fixed label inputs. Broadcasts and the mean over the
// m prefixes are matmuls with constant 0/1 (1/m) matrices, as in the Y-Tuning head.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { addAccumulate, addForward } from '../kernels/add';
import { attentionBackward, attentionForward, attentionSaved } from '../kernels/attention';
import { layerNormBackward, layerNormForward } from '../kernels/layernorm';
import { linearBackward, linearForward, matmul, matmulBackward } from '../kernels/matmul';
import type { Head, HeadBatch, HeadParam } from './head';
import { ltuningInit, ltuningParamSpecs, resolveLTuning, type LTuningConfig, type LTuningKind, type LTuningResolved } from './ltuning-config';
import { ParamSet, type LnSaved } from './param-set';

export type { LTuningConfig } from './ltuning-config';

export type { LnSaved } from './param-set';

/** What both L-Tuning heads share: parameters, owned-tensor bookkeeping, batch checks, LayerNorm helpers. */
export abstract class LTuningHeadBase implements Head {
  abstract readonly kind: LTuningKind;
  readonly labels: number;
  readonly params: HeadParam[];
  readonly config: LTuningResolved;
  protected readonly p: Record<string, GpuTensor>;
  protected readonly g: Record<string, GpuTensor>;
  private readonly paramSet: ParamSet;
  protected readonly owned: GpuTensor[] = [];
  protected wsAll: GpuTensor[] = [];
  protected wsKey = '';
  protected readonly zeroD: GpuTensor; // (d) zeros: an absent LN shift
  protected readonly scratchD: GpuTensor; // (d) where that shift's gradient goes (never read)

  constructor(
    protected readonly e: GpuEngine,
    kind: LTuningKind,
    cfg: LTuningConfig,
    init?: Record<string, ArrayLike<number>>,
  ) {
    const r = (this.config = resolveLTuning(kind, cfg));
    this.labels = r.L;
    const ps = new ParamSet(e, kind, ltuningParamSpecs(r), ltuningInit(r), init);
    this.params = ps.params;
    this.p = ps.p;
    this.g = ps.g;
    this.paramSet = ps;
    this.zeroD = this.own([r.d], 'zeroD', new Float32Array(r.d));
    this.scratchD = this.own([r.d], 'scratchD', new Float32Array(r.d));
  }

  protected own(shape: number[], label: string, init?: ArrayLike<number>): GpuTensor {
    const t = this.e.tensor(shape, `${this.config.kind}.${label}`, init);
    this.owned.push(t);
    return t;
  }

  /** A workspace tensor (released when the batch shape changes). */
  protected wsT(shape: number[], label: string): GpuTensor {
    const t = this.e.tensor(shape, `${this.config.kind}.${label}`);
    this.wsAll.push(t);
    return t;
  }

  protected wsLn(x: GpuTensor, rows: number, label: string): LnSaved {
    const { d } = this.config;
    return { x, y: this.wsT([rows, d], `${label}.y`), mean: this.wsT([rows], `${label}.mean`), rstd: this.wsT([rows], `${label}.rstd`) };
  }

  protected resetWorkspace(): void {
    for (const t of this.wsAll) t.release();
    this.wsAll = [];
  }

  protected checkBatch(batch: HeadBatch): void {
    const { B, T } = batch;
    const { C } = this.config;
    const want: [string, GpuTensor, number][] = [['tokens', batch.tokens, B * T * C], ['mask', batch.mask, B * T]];
    for (const [name, x, n] of want) {
      if (x.size !== n) throw new Error(`${this.kind}: batch.${name} "${x.label}" has ${x.size} elements, expected ${n} for B ${B}, T ${T}, C ${C}`);
    }
  }

  protected checkBackward(batch: HeadBatch, dLogits: GpuTensor, key: string): void {
    if (this.wsKey !== key || !this.wsAll.length) throw new Error(`${this.kind}.backward: no forward of this batch shape to differentiate`);
    if (dLogits.size !== batch.B * this.config.L) {
      throw new Error(`${this.kind}.backward: dLogits has ${dLogits.size} elements, expected (B, L) = (${batch.B}, ${this.config.L})`);
    }
  }

  protected lnF(s: LnSaved, gamma: string, beta: string | null, rows: number): void {
    const { d, lnEps } = this.config;
    layerNormForward(this.e, { x: s.x, gamma: this.p[gamma], beta: beta ? this.p[beta] : this.zeroD, y: s.y, mean: s.mean, rstd: s.rstd }, { rows, dim: d, eps: lnEps });
  }

  protected lnB(s: LnSaved, gamma: string, beta: string | null, dY: GpuTensor, dX: GpuTensor, rows: number): void {
    const dBeta = beta ? this.g[beta] : this.scratchD;
    layerNormBackward(this.e, { x: s.x, gamma: this.p[gamma], mean: s.mean, rstd: s.rstd, dY, dX, dGamma: this.g[gamma], dBeta }, { rows, dim: this.config.d });
  }

  abstract forward(e: GpuEngine, batch: HeadBatch, train: boolean): GpuTensor;
  abstract backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void;

  dispose(): void {
    this.resetWorkspace();
    this.wsKey = '';
    this.paramSet.release();
    for (const t of this.owned) t.release();
    this.owned.length = 0;
  }
}

interface PrefixWs {
  q: GpuTensor; // (B, L*m, d) the prefixes broadcast over the batch
  tok: LnSaved; // x = F Wf + bf (B*T, d)
  k: GpuTensor; // (B, T, d)
  v: GpuTensor; // (B, T, d)
  out: GpuTensor; // (B, L*m, d)
  probs: GpuTensor; // (B, H, L*m, T)
  h: GpuTensor; // (B, L*m, d) = q + out
  fin: LnSaved; // x = mean over m of h (B*L, d)
  Z: GpuTensor; // (B, L)
  dA: GpuTensor; // (B*L, d)
  dG: GpuTensor; // (B*L, d)
  dh: GpuTensor; // (B, L*m, d)
  dq: GpuTensor; // (B, L*m, d)
  dK: GpuTensor; // (B*T, d)
  dV: GpuTensor; // (B*T, d)
  dS: GpuTensor; // (B, H, L*m, T)
  dM: GpuTensor; // (B*T, d)
  dTokPre: GpuTensor; // (B*T, d)
}

export class LTuningPrefixHead extends LTuningHeadBase {
  readonly kind = 'label-attn-prefix' as const;
  private readonly Y: GpuTensor; // (L, Tl, C)
  private readonly Ymask: GpuTensor; // (L, Tl)
  private readonly onesL: GpuTensor; // (L, 1)
  private readonly eyeLm: GpuTensor; // (L*m, L*m)
  private readonly avg: GpuTensor; // (L, L*m): 1/m at [l, l*m + j]
  private readonly qa: GpuTensor; // (L, 1, C) wa broadcast
  private readonly poolP: GpuTensor; // (L, 1, 1, Tl)
  private readonly pl: GpuTensor; // (L, C) pooled label states
  private readonly Pq: GpuTensor; // (L, m*d) = (L*m, d) prefixes
  private readonly dPq: GpuTensor; // (L*m, d)
  private readonly dpl: GpuTensor; // (L, C)
  private readonly dqa: GpuTensor; // (L, C)
  private readonly dYk: GpuTensor; // (L, Tl, C) scratch (label inputs are fixed)
  private readonly dYv: GpuTensor; // (L, Tl, C) scratch
  private readonly dSpool: GpuTensor; // (L, 1, 1, Tl)
  private ws: PrefixWs | null = null;

  constructor(e: GpuEngine, cfg: LTuningConfig, init?: Record<string, ArrayLike<number>>) {
    super(e, 'label-attn-prefix', cfg, init);
    const { L, C, d, m, Tl } = this.config;
    const Lm = L * m;
    this.Y = this.own([L, Tl, C], 'Y', Float32Array.from(this.config.labelTokens!));
    this.Ymask = this.own([L, Tl], 'Ymask', Float32Array.from(this.config.labelMask!));
    this.onesL = this.own([L, 1], 'onesL', new Float32Array(L).fill(1));
    const eye = new Float32Array(Lm * Lm);
    for (let i = 0; i < Lm; i++) eye[i * Lm + i] = 1;
    this.eyeLm = this.own([Lm, Lm], 'eyeLm', eye);
    const avg = new Float32Array(L * Lm);
    for (let l = 0; l < L; l++) for (let j = 0; j < m; j++) avg[l * Lm + l * m + j] = 1 / m;
    this.avg = this.own([L, Lm], 'avg', avg);
    this.qa = this.own([L, 1, C], 'qa');
    this.poolP = this.own([L, 1, 1, Tl], 'poolP');
    this.pl = this.own([L, C], 'pl');
    this.Pq = this.own([L, m * d], 'Pq');
    this.dPq = this.own([Lm, d], 'dPq');
    this.dpl = this.own([L, C], 'dpl');
    this.dqa = this.own([L, C], 'dqa');
    this.dYk = this.own([L, Tl, C], 'dYk');
    this.dYv = this.own([L, Tl, C], 'dYv');
    this.dSpool = this.own([L, 1, 1, Tl], 'dSpool');
  }

  private workspace(B: number, T: number): PrefixWs {
    const key = `${B}x${T}`;
    if (this.ws && this.wsKey === key) return this.ws;
    this.resetWorkspace();
    const { L, d, H, m } = this.config;
    const Lm = L * m;
    const t = (s: number[], l: string) => this.wsT(s, l);
    const probs = attentionSaved(this.e, { B, Lq: Lm, Lk: T, H, dh: d / H }, 'ltuning-prefix.probs');
    const dS = attentionSaved(this.e, { B, Lq: Lm, Lk: T, H, dh: d / H }, 'ltuning-prefix.dS');
    this.wsAll.push(probs, dS);
    this.ws = {
      q: t([B, Lm, d], 'q'),
      tok: this.wsLn(t([B * T, d], 'tokPre'), B * T, 'tok'),
      k: t([B, T, d], 'k'),
      v: t([B, T, d], 'v'),
      out: t([B, Lm, d], 'out'),
      probs,
      h: t([B, Lm, d], 'h'),
      fin: this.wsLn(t([B * L, d], 'g'), B * L, 'fin'),
      Z: t([B, L], 'Z'),
      dA: t([B * L, d], 'dA'),
      dG: t([B * L, d], 'dG'),
      dh: t([B, Lm, d], 'dh'),
      dq: t([B, Lm, d], 'dq'),
      dK: t([B * T, d], 'dK'),
      dV: t([B * T, d], 'dV'),
      dS,
      dM: t([B * T, d], 'dM'),
      dTokPre: t([B * T, d], 'dTokPre'),
    };
    this.wsKey = key;
    return this.ws;
  }

  forward(e: GpuEngine, batch: HeadBatch, _train: boolean): GpuTensor {
    void _train; // no dropout
    this.checkBatch(batch);
    const { B, T } = batch;
    const { C, L, d, H, m, Tl } = this.config;
    const Lm = L * m;
    const { p } = this;
    const w = this.workspace(B, T);
    // label pooling and prefixes (label-only: once per forward)
    matmul(e, this.onesL, p.wa, this.qa, { M: L, K: 1, N: C });
    attentionForward(e, { q: this.qa, k: this.Y, v: this.Y, keyMask: this.Ymask, out: this.pl, probs: this.poolP }, { B: L, Lq: 1, Lk: Tl, H: 1, dh: C, scale: 1 });
    linearForward(e, this.pl, p.Wz, p.bz, this.Pq, { rows: L, K: C, N: m * d });
    matmul(e, this.eyeLm, this.Pq, w.q, { batch: B, M: Lm, K: Lm, N: d, aBatched: false, bBatched: false });
    // text memory
    linearForward(e, batch.tokens, p.Wf, p.bf, w.tok.x, { rows: B * T, K: C, N: d });
    this.lnF(w.tok, 'mg', 'mb', B * T);
    linearForward(e, w.tok.y, p.Wk, null, w.k, { rows: B * T, K: d, N: d });
    linearForward(e, w.tok.y, p.Wv, null, w.v, { rows: B * T, K: d, N: d });
    // every label's prefixes attend over each text; residual; mean over the m prefixes of a label
    attentionForward(e, { q: w.q, k: w.k, v: w.v, keyMask: batch.mask, out: w.out, probs: w.probs }, { B, Lq: Lm, Lk: T, H, dh: d / H });
    addForward(e, w.q, w.out, w.h);
    matmul(e, this.avg, w.h, w.fin.x, { batch: B, M: L, K: Lm, N: d, aBatched: false });
    this.lnF(w.fin, 'lnfg', null, B * L);
    linearForward(e, w.fin.y, p.u, p.c, w.Z, { rows: B * L, K: d, N: 1 });
    return w.Z;
  }

  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void {
    const { B, T } = batch;
    this.checkBackward(batch, dLogits, `${B}x${T}`);
    const w = this.ws!;
    const { C, L, d, H, m, Tl } = this.config;
    const Lm = L * m;
    const { p, g } = this;
    linearBackward(e, { x: w.fin.y, W: p.u, dY: dLogits, dX: w.dA, dW: g.u, db: g.c }, { rows: B * L, K: d, N: 1 });
    this.lnB(w.fin, 'lnfg', null, w.dA, w.dG, B * L);
    matmul(e, this.avg, w.dG, w.dh, { batch: B, M: Lm, K: L, N: d, transA: true, aBatched: false });
    attentionBackward(e, { q: w.q, k: w.k, v: w.v, probs: w.probs, dOut: w.dh, dQ: w.dq, dK: w.dK, dV: w.dV, dScores: w.dS }, { B, Lq: Lm, Lk: T, H, dh: d / H });
    addAccumulate(e, w.dq, w.dh); // residual
    // prefixes are shared by the batch: sum, then through Z and the label pooling into wa
    matmul(e, this.eyeLm, w.dq, this.dPq, { batch: B, M: Lm, K: Lm, N: d, transA: true, aBatched: false, sumBatch: true });
    linearBackward(e, { x: this.pl, W: p.Wz, dY: this.dPq, dX: this.dpl, dW: g.Wz, db: g.bz }, { rows: L, K: C, N: m * d });
    attentionBackward(
      e,
      { q: this.qa, k: this.Y, v: this.Y, probs: this.poolP, dOut: this.dpl, dQ: this.dqa, dK: this.dYk, dV: this.dYv, dScores: this.dSpool },
      { B: L, Lq: 1, Lk: Tl, H: 1, dh: C, scale: 1 },
    );
    matmul(e, this.onesL, this.dqa, g.wa, { M: 1, K: L, N: C, transA: true, accumulate: true });
    // text memory
    matmulBackward(e, { A: w.tok.y, B: p.Wk, dY: w.dK, dA: w.dM, dB: g.Wk }, { M: B * T, K: d, N: d, bBatched: false, accumulateDB: true });
    matmulBackward(e, { A: w.tok.y, B: p.Wv, dY: w.dV, dA: w.dM, dB: g.Wv }, { M: B * T, K: d, N: d, bBatched: false, accumulateDA: true, accumulateDB: true });
    this.lnB(w.tok, 'mg', 'mb', w.dM, w.dTokPre, B * T);
    linearBackward(e, { x: batch.tokens, W: p.Wf, dY: w.dTokPre, dX: null, dW: g.Wf, db: g.bf }, { rows: B * T, K: C, N: d });
  }

  dispose(): void {
    this.ws = null;
    super.dispose();
  }
}
