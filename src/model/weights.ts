// The encoder's weights on the GPU: one tensor per spec tensor (same order and dotted names as specTensors),
// each with a gradient when the encoder is trained (full fine-tuning) and none when it is frozen (L-Tuning,
// feature extraction). Design decision: the GPU mirror of the spec is a lookup by the spec's own objects
// (LinearSpec / LayerNormSpec / Tensor -> GpuTensor), so layer code reads `w.of(L.q.W)` and never re-derives
// names; weight decay follows the usual fine-tuning rule (no decay for biases and LayerNorm parameters).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { Param } from '../gpu/param';
import { specTensors, type EncoderSpec, type LayerNormSpec, type LinearSpec, type Tensor } from './spec';

export interface EncoderParam extends Param {
  /** The spec tensor this parameter mirrors (its data is the initial value; never written). */
  spec: Tensor;
}

export interface GpuLinear {
  W: GpuTensor;
  b: GpuTensor | null;
  dW: GpuTensor | null;
  db: GpuTensor | null;
  in: number;
  out: number;
}

export interface GpuLayerNorm {
  gamma: GpuTensor;
  beta: GpuTensor;
  /** Gradients; for a frozen encoder these are scratch tensors the backward writes and nobody reads. */
  dGamma: GpuTensor;
  dBeta: GpuTensor;
  eps: number;
  dim: number;
}

export class EncoderWeights {
  readonly params: EncoderParam[] = [];
  private readonly byTensor = new Map<Tensor, { value: GpuTensor; grad: GpuTensor | null }>();
  private readonly scratch: GpuTensor[] = [];
  private readonly norms = new Map<LayerNormSpec, GpuLayerNorm>();

  constructor(
    private readonly e: GpuEngine,
    readonly spec: EncoderSpec,
    readonly trainable: boolean,
  ) {
    for (const { name, tensor } of specTensors(spec)) {
      const value = e.tensor(tensor.shape, `encoder.${name}`, tensor.data);
      const grad = trainable ? e.zeros(tensor.shape, `encoder.${name}.grad`) : null;
      this.byTensor.set(tensor, { value, grad });
      if (grad) {
        const decay = !(name.endsWith('.b') || name.endsWith('.gamma') || name.endsWith('.beta'));
        this.params.push({ name: `encoder.${name}`, value, grad, decay, spec: tensor });
      }
    }
  }

  value(t: Tensor): GpuTensor {
    const hit = this.byTensor.get(t);
    if (!hit) throw new Error('EncoderWeights: tensor is not part of this encoder spec');
    return hit.value;
  }

  grad(t: Tensor): GpuTensor | null {
    const hit = this.byTensor.get(t);
    if (!hit) throw new Error('EncoderWeights: tensor is not part of this encoder spec');
    return hit.grad;
  }

  linear(l: LinearSpec): GpuLinear {
    return {
      W: this.value(l.W),
      b: l.b ? this.value(l.b) : null,
      dW: this.grad(l.W),
      db: l.b ? this.grad(l.b) : null,
      in: l.in,
      out: l.out,
    };
  }

  layerNorm(l: LayerNormSpec): GpuLayerNorm {
    const hit = this.norms.get(l);
    if (hit) return hit;
    const dim = l.gamma.data.length;
    let dGamma = this.grad(l.gamma);
    let dBeta = this.grad(l.beta);
    if (!dGamma || !dBeta) {
      // The layer-norm backward always writes parameter gradients: give a frozen encoder throwaway buffers.
      dGamma = this.e.zeros([dim], 'encoder.ln.scratch.dGamma');
      dBeta = this.e.zeros([dim], 'encoder.ln.scratch.dBeta');
      this.scratch.push(dGamma, dBeta);
    }
    const out = { gamma: this.value(l.gamma), beta: this.value(l.beta), dGamma, dBeta, eps: l.eps, dim };
    this.norms.set(l, out);
    return out;
  }

  /** Read every current value back (for export of a fine-tuned model), keyed by the spec tensor. */
  async readAll(): Promise<Map<Tensor, Float32Array>> {
    const out = new Map<Tensor, Float32Array>();
    for (const [t, { value }] of this.byTensor) out.set(t, await value.read());
    return out;
  }

  /** Bytes of weights (and gradients) held on the GPU. */
  get bytes(): number {
    let n = 0;
    for (const { value, grad } of this.byTensor.values()) n += value.bytes + (grad ? grad.bytes : 0);
    return n;
  }

  dispose(): void {
    for (const { value, grad } of this.byTensor.values()) {
      value.release();
      grad?.release();
    }
    for (const s of this.scratch) s.release();
    this.byTensor.clear();
    this.scratch.length = 0;
    this.norms.clear();
  }
}
