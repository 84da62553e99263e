// VERSION 1 of the label-attention kinds (label-attn-prefix / -prompt), kept so files saved before version 2
// (./label-attn.ts, issue 10 item 5) rebuild the architecture they were trained with; new heads are version 2.
// The L-Tuning prompt head (DESIGN.md §1, arXiv 2402.01643) on the GPU, composed from existing kernels; float64
// oracle: reference/heads/ltuning-prompt.ts, config/init: ./ltuning-config.ts. logits (B, L) are match scores of
// (text b, label l). NOTE: unlike the paper, the prompt does not enter the frozen encoder's own forward pass: it
// conditions one trainable attention layer over CACHED text features (report results as such).
//   e = s G (G init identity), x = e Wf + bf: label l's prompt token (Wf, bf shared with the text memory)
//   M = LN(F Wf + bf); h[b, l] = x[l] + MHA(x Wq + bq over M Wk, M Wv + bv of text b)[l] Wo + bo
//   z[b, l] = <LN_f(h[b, l]), u> + c   (LN_f without shift: <beta, u> would only duplicate c)
// Design decision: "[e_l Wf ; M] through one self-attention layer, classify the first position" is computed as the
// L prompts of each example attending (as queries) over that example's T text tokens in ONE attention call
// (B examples, Lq = L, Lk = T). The text tokens' own updates never reach the first position in one layer, so
// they are skipped; the prompt is NOT one of its own keys (a per-(b, l) extra key does not fit a key set shared
// by the L queries) — the residual carries it instead. Prompts are label-only: computed once per forward and
// broadcast over the batch with a constant identity matmul, as in the Y-Tuning head.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { addForward } from '../kernels/add';
import { attentionBackward, attentionForward, attentionSaved } from '../kernels/attention';
import { biasGrad, linearBackward, linearForward, matmul, matmulBackward } from '../kernels/matmul';
import type { HeadBatch } from './head';
import type { LTuningConfig } from './ltuning-config';
import { LTuningHeadBase, type LnSaved } from './ltuning-prefix';

export type { LTuningConfig } from './ltuning-config';

interface PromptWs {
  q: GpuTensor; // (B, L, d)
  X0: GpuTensor; // (B, L, d) prompts broadcast
  tok: LnSaved; // x = F Wf + bf (B*T, d)
  k: GpuTensor; // (B, T, d)
  v: GpuTensor; // (B, T, d)
  out: GpuTensor; // (B, L, d)
  probs: GpuTensor; // (B, H, L, T)
  o: GpuTensor; // (B*L, d)
  fin: LnSaved; // x = h (B*L, d)
  Z: GpuTensor; // (B, L)
  dA: GpuTensor; // (B*L, d)
  dH: GpuTensor; // (B*L, d)
  dO: GpuTensor; // (B*L, d)
  dq: GpuTensor; // (B, L, d)
  dK: GpuTensor; // (B*T, d)
  dV: GpuTensor; // (B*T, d)
  dS: GpuTensor; // (B, H, L, T)
  dM: GpuTensor; // (B*T, d)
  dTokPre: GpuTensor; // (B*T, d)
}

export class LTuningPromptHead extends LTuningHeadBase {
  readonly kind = 'label-attn-prompt' as const;
  private readonly S: GpuTensor; // (L, C) label seeds
  private readonly eyeL: GpuTensor; // (L, L)
  private readonly eL: GpuTensor; // (L, C) = S G
  private readonly x: GpuTensor; // (L, d) prompts
  private readonly qs: GpuTensor; // (L, d)
  private readonly dqs: GpuTensor; // (L, d)
  private readonly dx: GpuTensor; // (L, d)
  private readonly de: GpuTensor; // (L, C)
  private ws: PromptWs | null = null;

  constructor(e: GpuEngine, cfg: LTuningConfig, init?: Record<string, ArrayLike<number>>) {
    super(e, 'label-attn-prompt', cfg, init);
    const { L, C, d } = this.config;
    this.S = this.own([L, C], 'S', Float32Array.from(this.config.seeds!));
    const eye = new Float32Array(L * L);
    for (let i = 0; i < L; i++) eye[i * L + i] = 1;
    this.eyeL = this.own([L, L], 'eyeL', eye);
    this.eL = this.own([L, C], 'e');
    this.x = this.own([L, d], 'x');
    this.qs = this.own([L, d], 'qs');
    this.dqs = this.own([L, d], 'dqs');
    this.dx = this.own([L, d], 'dx');
    this.de = this.own([L, C], 'de');
  }

  private workspace(B: number, T: number): PromptWs {
    const key = `${B}x${T}`;
    if (this.ws && this.wsKey === key) return this.ws;
    this.resetWorkspace();
    const { L, d, H } = this.config;
    const t = (s: number[], l: string) => this.wsT(s, l);
    const probs = attentionSaved(this.e, { B, Lq: L, Lk: T, H, dh: d / H }, 'ltuning-prompt.probs');
    const dS = attentionSaved(this.e, { B, Lq: L, Lk: T, H, dh: d / H }, 'ltuning-prompt.dS');
    this.wsAll.push(probs, dS);
    this.ws = {
      q: t([B, L, d], 'q'),
      X0: t([B, L, d], 'X0'),
      tok: this.wsLn(t([B * T, d], 'tokPre'), B * T, 'tok'),
      k: t([B, T, d], 'k'),
      v: t([B, T, d], 'v'),
      out: t([B, L, d], 'out'),
      probs,
      o: t([B * L, d], 'o'),
      fin: this.wsLn(t([B * L, d], 'h'), B * L, 'fin'),
      Z: t([B, L], 'Z'),
      dA: t([B * L, d], 'dA'),
      dH: t([B * L, d], 'dH'),
      dO: t([B * L, d], 'dO'),
      dq: t([B, L, d], 'dq'),
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
    const { C, L, d, H } = this.config;
    const { p } = this;
    const w = this.workspace(B, T);
    // label prompts (label-only: once per forward), broadcast over the batch
    linearForward(e, this.S, p.G, null, this.eL, { rows: L, K: C, N: C });
    linearForward(e, this.eL, p.Wf, p.bf, this.x, { rows: L, K: C, N: d });
    linearForward(e, this.x, p.Wq, p.bq, this.qs, { rows: L, K: d, N: d });
    const bc = { batch: B, M: L, K: L, N: d, aBatched: false, bBatched: false };
    matmul(e, this.eyeL, this.qs, w.q, bc);
    matmul(e, this.eyeL, this.x, w.X0, bc);
    // text memory
    linearForward(e, batch.tokens, p.Wf, p.bf, w.tok.x, { rows: B * T, K: C, N: d });
    this.lnF(w.tok, 'mg', 'mb', B * T);
    linearForward(e, w.tok.y, p.Wk, null, w.k, { rows: B * T, K: d, N: d });
    linearForward(e, w.tok.y, p.Wv, p.bv, w.v, { rows: B * T, K: d, N: d });
    // each prompt attends over its text; residual; LN; score
    attentionForward(e, { q: w.q, k: w.k, v: w.v, keyMask: batch.mask, out: w.out, probs: w.probs }, { B, Lq: L, Lk: T, H, dh: d / H });
    linearForward(e, w.out, p.Wo, p.bo, w.o, { rows: B * L, K: d, N: d });
    addForward(e, w.X0, w.o, w.fin.x);
    this.lnF(w.fin, 'lnfg', null, B * L);
    linearForward(e, w.fin.y, p.u, p.c, w.Z, { rows: B * L, K: d, N: 1 });
    return w.Z;
  }

  backward(e: GpuEngine, batch: HeadBatch, dLogits: GpuTensor): void {
    const { B, T } = batch;
    this.checkBackward(batch, dLogits, `${B}x${T}`);
    const w = this.ws!;
    const { C, L, d, H } = this.config;
    const { p, g } = this;
    linearBackward(e, { x: w.fin.y, W: p.u, dY: dLogits, dX: w.dA, dW: g.u, db: g.c }, { rows: B * L, K: d, N: 1 });
    this.lnB(w.fin, 'lnfg', null, w.dA, w.dH, B * L);
    linearBackward(e, { x: w.out, W: p.Wo, dY: w.dH, dX: w.dO, dW: g.Wo, db: g.bo }, { rows: B * L, K: d, N: d });
    attentionBackward(e, { q: w.q, k: w.k, v: w.v, probs: w.probs, dOut: w.dO, dQ: w.dq, dK: w.dK, dV: w.dV, dScores: w.dS }, { B, Lq: L, Lk: T, H, dh: d / H });
    // prompts are shared by the batch: sum the query and residual gradients, then through Wq, Wf and G
    const sum = { batch: B, M: L, K: L, N: d, transA: true, aBatched: false, sumBatch: true };
    matmul(e, this.eyeL, w.dq, this.dqs, sum);
    linearBackward(e, { x: this.x, W: p.Wq, dY: this.dqs, dX: this.dx, dW: g.Wq, db: g.bq }, { rows: L, K: d, N: d });
    matmul(e, this.eyeL, w.dH, this.dx, { ...sum, accumulate: true });
    linearBackward(e, { x: this.eL, W: p.Wf, dY: this.dx, dX: this.de, dW: g.Wf, db: g.bf }, { rows: L, K: C, N: d });
    linearBackward(e, { x: this.S, W: p.G, dY: this.de, dX: null, dW: g.G, db: null }, { rows: L, K: C, N: C });
    // text memory
    matmulBackward(e, { A: w.tok.y, B: p.Wk, dY: w.dK, dA: w.dM, dB: g.Wk }, { M: B * T, K: d, N: d, bBatched: false, accumulateDB: true });
    matmulBackward(e, { A: w.tok.y, B: p.Wv, dY: w.dV, dA: w.dM, dB: g.Wv }, { M: B * T, K: d, N: d, bBatched: false, accumulateDA: true, accumulateDB: true });
    biasGrad(e, w.dV, g.bv, { rows: B * T, N: d });
    this.lnB(w.tok, 'mg', 'mb', w.dM, w.dTokPre, B * T);
    linearBackward(e, { x: batch.tokens, W: p.Wf, dY: w.dTokPre, dX: null, dW: g.Wf, db: g.bf }, { rows: B * T, K: C, N: d });
  }

  dispose(): void {
    this.ws = null;
    super.dispose();
  }
}
