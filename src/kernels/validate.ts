// Argument checks shared by the kernel wrappers. Design decision: a wrapper validates everything on the CPU
// before recording a dispatch, because a wrong size on the GPU is not an error — it silently reads or writes the
// wrong memory. Messages name the op, the tensor's label and the expected shape, so the caller can fix the call.
import type { GpuTensor } from '../gpu/engine';

/** A dimension must be a positive integer. */
export function checkDim(op: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${v}`);
}

/** A tensor must hold exactly `want` elements; `what` describes the expected shape, e.g. "x (rows, K)". */
export function checkSize(op: string, t: GpuTensor, want: number, what: string): void {
  if (t.size !== want) throw new Error(`${op}: "${t.label}" has ${t.size} elements, ${what} needs ${want}`);
}

/** Two tensors of an elementwise op must have the same number of elements. */
export function checkSameSize(op: string, a: GpuTensor, b: GpuTensor): void {
  if (a.size !== b.size) throw new Error(`${op}: "${a.label}" has ${a.size} elements, "${b.label}" has ${b.size}`);
}

/** An output must not share a buffer with an input (the kernels read and write in parallel). */
export function checkDistinct(op: string, out: GpuTensor, inputs: (GpuTensor | null | undefined)[]): void {
  for (const t of inputs) {
    if (t && t.buffer === out.buffer) throw new Error(`${op}: output "${out.label}" must not alias input "${t.label}"`);
  }
}
