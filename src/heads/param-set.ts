// What the parameterised heads (Y-Tuning, the L-Tuning pair) share: their trainable tensors built from a list of
// specs (seeded initial values, or a checkpoint's), looked up by name, and released together; and the saved
// tensors of a LayerNorm forward that its backward reads. Design decision: a value object the heads hold, not a
// class they extend, so each head keeps its own fixed kernel sequence and the shared part stays this small.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { HeadParam } from './head';

/** The tensors a LayerNorm forward saves for its backward; rows = the normalised rows, d = their width. */
export interface LnSaved {
  x: GpuTensor; // (rows, d) input
  y: GpuTensor; // (rows, d) output
  mean: GpuTensor; // (rows)
  rstd: GpuTensor; // (rows) 1 / sqrt(var + eps)
}

export interface ParamSpecLike {
  name: string;
  shape: number[];
  /** AdamW weight decay applies. */
  decay: boolean;
}

export class ParamSet {
  readonly params: HeadParam[];
  /** Values by parameter name. */
  readonly p: Record<string, GpuTensor> = {};
  /** Gradients by parameter name (accumulate during backward, zeroed by the optimizer step). */
  readonly g: Record<string, GpuTensor> = {};

  /** `init` overrides the seeded `values` by name (a checkpoint); every array must match its spec's size. */
  constructor(e: GpuEngine, kind: string, specs: readonly ParamSpecLike[], values: Record<string, ArrayLike<number>>, init?: Record<string, ArrayLike<number>>) {
    this.params = specs.map(({ name, shape, decay }) => {
      const v = init?.[name] ?? values[name];
      const n = shape.reduce((a, b) => a * b, 1);
      if (v.length !== n) throw new Error(`${kind}: init for ${name} has ${v.length} values, expected ${n}`);
      const value = e.tensor(shape, `${kind}.${name}`, Float32Array.from(v));
      const grad = e.zeros(shape, `${kind}.d${name}`);
      this.p[name] = value;
      this.g[name] = grad;
      return { name, value, grad, decay };
    });
  }

  release(): void {
    for (const { value, grad } of this.params) {
      value.release();
      grad.release();
    }
  }
}
