// The sentence vector on the GPU: the model's own pooling (USE-lite: masked mean / max(count, floor) ->
// dense + tanh layers -> L2 normalisation) or, for a model without one, the app's rule (masked mean of the
// token states, count floor 1 — what src/encoder computes after onnxruntime), forward and backward.
// Design decision: the backward *adds* into the caller's token-state gradient, so a loss on both the token
// states and the pooled vector (or on the pooled vector alone) needs no extra buffer.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import { addAccumulate } from '../kernels/add';
import { tanhBackward, tanhForward } from '../kernels/activation';
import { l2normBackward, l2normForward } from '../kernels/l2norm';
import { meanPoolBackward, meanPoolForward } from '../kernels/meanpool';
import { lin, linBack } from './ops';
import type { EncoderSpec } from './spec';
import type { EncoderWeights, GpuLinear } from './weights';

export interface GpuPooling {
  C: number;
  minCount: number;
  dense: GpuLinear[];
  l2Eps: number | null;
  /** Width of the pooled vector. */
  width: number;
}

export function gpuPooling(w: EncoderWeights, spec: EncoderSpec): GpuPooling {
  const p = spec.pooling;
  const dense = p ? p.dense.map((d) => w.linear(d)) : [];
  return {
    C: spec.hiddenSize,
    minCount: p ? p.minCount : 1,
    dense,
    l2Eps: p?.l2 ? p.l2.eps : null,
    width: dense.length ? dense[dense.length - 1].out : spec.hiddenSize,
  };
}

export interface PoolingSaved {
  /** (B, width) the pooled vector. */
  out: GpuTensor;
  /** (B, C) the masked mean. */
  mean: GpuTensor;
  /** Per dense layer: its pre-activation z and tanh output t. */
  dense: { z: GpuTensor; t: GpuTensor }[];
  /** Release everything but `out`. */
  release(): void;
}

export function poolingForward(e: GpuEngine, P: GpuPooling, tokens: GpuTensor, mask: GpuTensor, s: { B: number; T: number }): PoolingSaved {
  const { B, T } = s;
  const mean = e.tensor([B, P.C], 'encoder.pool.mean');
  meanPoolForward(e, { x: tokens, mask, y: mean }, { B, T, C: P.C, minCount: P.minCount });
  let x = mean;
  const dense: { z: GpuTensor; t: GpuTensor }[] = [];
  P.dense.forEach((L, i) => {
    const z = lin(e, x, L, B, `encoder.pool.z${i}`);
    const t = e.tensor([B, L.out], `encoder.pool.t${i}`);
    tanhForward(e, z, t);
    dense.push({ z, t });
    x = t;
  });
  let out = x;
  if (P.l2Eps !== null) {
    out = e.tensor([B, P.width], 'encoder.pooled');
    l2normForward(e, { x, y: out }, { B, C: P.width, eps: P.l2Eps });
  } else if (x === mean || dense.length) {
    // `out` aliases the last intermediate: copy so the saved record and the output are distinct tensors.
    out = e.tensor([B, P.width], 'encoder.pooled');
    e.copy(x, out);
  }
  return {
    out,
    mean,
    dense,
    release() {
      mean.release();
      for (const d of dense) {
        d.z.release();
        d.t.release();
      }
    },
  };
}

/** dTokens (B*T, C) += gradient of the pooled vector's dPooled (B, width) through the pooling. */
export function poolingBackward(
  e: GpuEngine,
  P: GpuPooling,
  r: PoolingSaved,
  dPooled: GpuTensor,
  mask: GpuTensor,
  dTokens: GpuTensor,
  s: { B: number; T: number },
): void {
  const { B, T } = s;
  if (dPooled.size !== B * P.width) throw new Error(`encoder backward: dPooled has ${dPooled.size} elements, expected (B, ${P.width}) = ${B * P.width}`);
  const last = r.dense.length ? r.dense[r.dense.length - 1].t : r.mean;
  let d = e.tensor([B, P.width], 'encoder.pool.d');
  if (P.l2Eps !== null) l2normBackward(e, { x: last, dY: dPooled, dX: d }, { B, C: P.width, eps: P.l2Eps });
  else e.copy(dPooled, d);
  for (let i = P.dense.length - 1; i >= 0; i--) {
    const L = P.dense[i];
    const dz = e.tensor([B, L.out], `encoder.pool.dz${i}`);
    tanhBackward(e, r.dense[i].t, d, dz);
    d.release();
    const input = i === 0 ? r.mean : r.dense[i - 1].t;
    d = e.tensor([B, L.in], `encoder.pool.dx${i}`);
    linBack(e, input, L, dz, d, B);
    dz.release();
  }
  const dT = e.tensor([B * T, P.C], 'encoder.pool.dTokens');
  meanPoolBackward(e, { mask, dY: d, dX: dT }, { B, T, C: P.C, minCount: P.minCount });
  d.release();
  addAccumulate(e, dTokens, dT);
  dT.release();
}
