// The Y-Tuning head's GPU workspace: every activation its forward saves and every buffer its backward writes, for
// one (B, T), with shapes. Design decision: allocated once per batch shape and reused step after step (the trainer
// records a whole step into one command buffer), so a training loop allocates nothing after its first batch of a
// given length; `all` lists every tensor for release.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { attentionSaved } from '../kernels/attention';
import type { YTuningResolved } from './ytuning-config';

export interface LnSaved {
  x: GpuTensor; // (rows, d) the norm's input (a tensor of the workspace, not owned by this record)
  y: GpuTensor; // (rows, d)
  mean: GpuTensor; // (rows)
  rstd: GpuTensor; // (rows)
}

export interface LayerWs {
  a1: LnSaved; // LN1 of the layer input (B*L, d)
  sq: GpuTensor; // (B, L, d) self-attention queries
  sk: GpuTensor; // (B, L, d) keys
  sv: GpuTensor; // (B, L, d) values
  sOut: GpuTensor; // (B, L, d) attention output, heads concatenated
  sP: GpuTensor; // (B, H, L, L) self-attention probabilities
  sProj: GpuTensor; // (B, L, d) output projection
  X1: GpuTensor; // (B, L, d) after the self-attention residual
  a2: LnSaved; // LN2 of X1 (B*L, d)
  cq: GpuTensor; // (B, L, d) cross-attention queries
  ck: GpuTensor; // (B, Tm, d) keys over the memory (T tokens + the pooled token)
  cv: GpuTensor; // (B, Tm, d) values over the memory
  cOut: GpuTensor; // (B, L, d) attention output
  cP: GpuTensor; // (B, H, L, Tm) cross-attention probabilities (the playground's attention view)
  cProj: GpuTensor; // (B, L, d) output projection
  X2: GpuTensor; // (B, L, d) after the cross-attention residual
  a3: LnSaved; // LN3 of X2 (B*L, d)
  pre: GpuTensor; // (B*L, ffn) FFN pre-activation
  act: GpuTensor; // (B*L, ffn) GELU(pre)
  fProj: GpuTensor; // (B, L, d) FFN output
  X3: GpuTensor; // (B, L, d) layer output
  /** Dropped-out copies of sProj, cProj, act, fProj (config.dropout > 0 only). */
  drop: { s: GpuTensor; c: GpuTensor; act: GpuTensor; f: GpuTensor } | null;
}

export interface Workspace {
  B: number;
  T: number;
  /** Every tensor below, for release. */
  all: GpuTensor[];
  X0: GpuTensor; // (B, L, d) label queries entering layer 0
  /** (B, 4C) pair features [u, v, |u-v|, u*v] (pair heads only). */
  G: GpuTensor | null;
  tok: LnSaved; // LN of the projected token states (B*T, d)
  pool: LnSaved; // LN of the projected pooled vector (B, d)
  M: GpuTensor; // (B, Tm, d) memory: token states then the pooled token
  maskExt: GpuTensor; // (B, Tm) key mask of the memory
  layers: LayerWs[];
  fin: LnSaved; // final LN of the last layer's output (B*L, d)
  Z: GpuTensor; // (B, L) logits
  // backward (activation gradients, overwritten each step)
  dX: GpuTensor; // (B*L, d)
  dTmp: GpuTensor; // (B*L, d)
  dA: GpuTensor; // (B*L, d)
  dAtt: GpuTensor; // (B*L, d)
  dq: GpuTensor; // (B*L, d)
  dk: GpuTensor; // (B*L, d)
  dv: GpuTensor; // (B*L, d)
  dSs: GpuTensor; // (B, H, L, L) self-attention score gradients
  dKm: GpuTensor; // (B*Tm, d)
  dVm: GpuTensor; // (B*Tm, d)
  dSc: GpuTensor; // (B, H, L, Tm) cross-attention score gradients
  dM: GpuTensor; // (B*Tm, d) memory gradient
  dAct: GpuTensor; // (B*L, ffn)
  dPre: GpuTensor; // (B*L, ffn)
  dTok: GpuTensor; // (B*T, d)
  dTokPre: GpuTensor; // (B*T, d)
  dPool: GpuTensor; // (B, d)
  dPoolPre: GpuTensor; // (B, d)
  /** Dropout's backward outputs (config.dropout > 0 only): (rows, d) and (rows, ffn). */
  dDrop: GpuTensor | null;
  dDropAct: GpuTensor | null;
}

export function allocWorkspace(e: GpuEngine, config: YTuningResolved, B: number, T: number): Workspace {
  const { L, d, H, N, ffn } = config;
  const dh = d / H;
  const Tm = T + 1;
  const rows = B * L;
  const withDrop = config.dropout > 0;
  const all: GpuTensor[] = [];
  const t = (shape: number[], label: string) => {
    const x = e.tensor(shape, `ytuning.${label}`);
    all.push(x);
    return x;
  };
  const ln = (x: GpuTensor, r: number, label: string): LnSaved => ({ x, y: t([r, d], `${label}.y`), mean: t([r], `${label}.mean`), rstd: t([r], `${label}.rstd`) });
  const att = (Lk: number, label: string) => {
    const x = attentionSaved(e, { B, Lq: L, Lk, H, dh }, `ytuning.${label}`);
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
      drop: withDrop
        ? { s: t([B, L, d], l + 'sProjDrop'), c: t([B, L, d], l + 'cProjDrop'), act: t([rows, ffn], l + 'actDrop'), f: t([B, L, d], l + 'fProjDrop') }
        : null,
    });
    X = X3;
  }
  return {
    B,
    T,
    all,
    X0,
    G: config.pair ? t([B, 4 * config.C], 'G') : null,
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
    dDrop: withDrop ? t([rows, d], 'dDrop') : null,
    dDropAct: withDrop ? t([rows, ffn], 'dDropAct') : null,
  };
}

