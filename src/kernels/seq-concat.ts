// Concatenation along the sequence axis, forward and backward (see seq-concat.wgsl): P head rows (a prompt or a
// layer's prefix keys/values) in front of each example's T rows. Design decision: a head shared by every example
// is stored once (P, W) and its gradient is the batch sum, reduced per output element in a fixed order, so plain
// prefix/prompt tuning (one set of vectors) and L-Tuning (vectors per (text, label) pair) use the same kernel.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import { checkDim, checkDistinct, checkSize } from './validate';
import wgsl from './seq-concat.wgsl?raw';

const WG = 256;
const spec = (entryPoint: string): KernelSpec => ({
  name: `seq-concat.${entryPoint}`,
  wgsl,
  entryPoint,
  bindings: entryPoint === 'forward' ? ['uniform', 'read', 'read', 'rw'] : ['uniform', 'read', 'rw'],
  overrides: { WG },
});
export const seqConcatForwardKernel = spec('forward');
export const seqConcatBackwardTailKernel = spec('backward_tail');
export const seqConcatBackwardHeadKernel = spec('backward_head');

export interface SeqConcatShape {
  B: number;
  /** Head rows per example. */
  P: number;
  /** Tail rows per example. */
  T: number;
  /** Row width. */
  W: number;
  /** The head is (P, W), shared by every example (else (B, P, W)). */
  headShared: boolean;
}

function check(op: string, s: SeqConcatShape): void {
  for (const k of ['B', 'P', 'T', 'W'] as const) checkDim(op, k, s[k]);
}

const uniforms = (s: SeqConcatShape, accumulate = false) => [u32(s.B), u32(s.P), u32(s.T), u32(s.W), u32(s.headShared ? 1 : 0), u32(accumulate ? 1 : 0), u32(0), u32(0)];
const headSize = (s: SeqConcatShape) => (s.headShared ? 1 : s.B) * s.P * s.W;

/** out (B, P+T, W) = [head ; tail] per example (overwritten). */
export function seqConcat(e: GpuEngine, t: { head: GpuTensor; tail: GpuTensor; out: GpuTensor }, s: SeqConcatShape): void {
  const op = 'seqConcat';
  check(op, s);
  checkSize(op, t.head, headSize(s), s.headShared ? 'head (P, W)' : 'head (B, P, W)');
  checkSize(op, t.tail, s.B * s.T * s.W, 'tail (B, T, W)');
  checkSize(op, t.out, s.B * (s.P + s.T) * s.W, 'out (B, P+T, W)');
  checkDistinct(op, t.out, [t.head, t.tail]);
  e.run(seqConcatForwardKernel, [t.head, t.tail, t.out], uniforms(s), grid1d(t.out.size, WG));
}

/**
 * Gradients of seqConcat from dOut (B, P+T, W): dTail (B, T, W) overwritten (null to skip); dHead (B, P, W), or
 * (P, W) summed over the batch when shared, overwritten or added with accumulateHead (null to skip).
 */
export function seqConcatBackward(
  e: GpuEngine,
  t: { dOut: GpuTensor; dHead: GpuTensor | null; dTail: GpuTensor | null },
  s: SeqConcatShape & { accumulateHead?: boolean },
): void {
  const op = 'seqConcatBackward';
  check(op, s);
  checkSize(op, t.dOut, s.B * (s.P + s.T) * s.W, 'dOut (B, P+T, W)');
  if (t.dTail) {
    checkSize(op, t.dTail, s.B * s.T * s.W, 'dTail (B, T, W)');
    checkDistinct(op, t.dTail, [t.dOut]);
    e.run(seqConcatBackwardTailKernel, [t.dOut, t.dTail], uniforms(s), grid1d(t.dTail.size, WG));
  }
  if (t.dHead) {
    checkSize(op, t.dHead, headSize(s), s.headShared ? 'dHead (P, W)' : 'dHead (B, P, W)');
    checkDistinct(op, t.dHead, [t.dOut]);
    e.run(seqConcatBackwardHeadKernel, [t.dOut, t.dHead], uniforms(s, s.accumulateHead), grid1d(t.dHead.size, WG));
  }
}
