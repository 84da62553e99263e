// Multi-head scaled-dot-product attention core (projections are separate matmuls). See attention.wgsl.
// Design decision: the forward saves the full probabilities P (B, H, Lq, Lk) — small here (Lq = labels, Lk =
// tokens) — rather than a logsumexp, so the backward never recomputes scores. Forward is one dispatch for all
// heads and queries; backward is two: per block of 4 queries, dS = P * (dP - rowsum(P dP)) into a (B, H, Lq, Lk)
// workspace and dQ; then per 4 keys x 4 columns, dK and dV (per-output reductions, no atomics). Every invocation
// computes a 4 x 4 register block, so each loaded element feeds 4 multiply-adds (loads dominate everywhere,
// and on CPU drivers such as lavapipe each lane's load is a separate scalar access).
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { grid1d } from './dispatch';
import wgsl from './attention.wgsl?raw';

/** Invocations per (b, h, 4 queries) workgroup of forward and backward_query, by key count: each invocation
 *  owns 4 keys of a tile of 4*WG_ROW keys, so Lk <= 64 runs 16 invocations and Lk <= 256 (T = 128 tokens plus
 *  a pooled token included) 64, in one tile without parking scores in memory. Two sizes only: every size is
 *  another pipeline, and lavapipe takes seconds to compile each (16 beat 32 and 64 at Lk = 64). */
const WG_ROW_SIZES = [16, 64] as const;
export function attentionRowWorkgroup(Lk: number): number {
  return WG_ROW_SIZES.find((w) => 4 * w >= Lk) ?? WG_ROW_SIZES[WG_ROW_SIZES.length - 1];
}
/** Invocations per workgroup of backward_keys (one invocation per 4 keys x 4 columns). */
const WG = 64;

const rowSpecs = new Map<string, KernelSpec>();
function rowKernel(entryPoint: 'forward' | 'backward_query', WG_ROW: number): KernelSpec {
  const key = `${entryPoint}:${WG_ROW}`;
  let spec = rowSpecs.get(key);
  if (!spec) {
    spec = {
      name: `attention.${entryPoint}`,
      wgsl,
      entryPoint,
      bindings:
        entryPoint === 'forward'
          ? ['uniform', 'read', 'rw', 'rw', 'read', 'read', 'read'] // p, keyMask, out, probs, k, v, q
          : ['uniform', 'read', 'read', 'rw', 'read', 'read', 'read', 'rw'], // p, dOut, saved P, dScores, k, v, q (unused), dQ
      overrides: { WG_ROW },
    };
    rowSpecs.set(key, spec);
  }
  return spec;
}
export const attentionForwardKernel = (Lk: number): KernelSpec => rowKernel('forward', attentionRowWorkgroup(Lk));
export const attentionBackwardQueryKernel = (Lk: number): KernelSpec => rowKernel('backward_query', attentionRowWorkgroup(Lk));
export const attentionBackwardKeysKernel: KernelSpec = {
  name: 'attention.backward_keys',
  wgsl,
  entryPoint: 'backward_keys',
  // p, dOut, saved P, dScores, k (unused), v (unused), q, dK, dV
  bindings: ['uniform', 'read', 'read', 'rw', 'read', 'read', 'read', 'rw', 'rw'],
  overrides: { WG },
};

export interface AttentionShape {
  /** Batch. */
  B: number;
  /** Queries per example (labels). */
  Lq: number;
  /** Keys = values per example (tokens, or labels for self-attention). */
  Lk: number;
  /** Heads. */
  H: number;
  /** Head width; tensors have width H*dh with head h in columns [h*dh, (h+1)*dh). */
  dh: number;
  /** Score scale; defaults to 1/sqrt(dh). */
  scale?: number;
}

export interface AttentionForwardTensors {
  q: GpuTensor; // (B, Lq, H*dh)
  k: GpuTensor; // (B, Lk, H*dh)
  v: GpuTensor; // (B, Lk, H*dh)
  /** (B, Lk): 1 = keep, 0 = padding (kept iff >= 0.5); null keeps every key. */
  keyMask: GpuTensor | null;
  out: GpuTensor; // (B, Lq, H*dh), overwritten
  probs: GpuTensor; // (B, H, Lq, Lk), overwritten: the saved tensor for the backward
}

export interface AttentionBackwardTensors {
  q: GpuTensor; // (B, Lq, H*dh)
  k: GpuTensor; // (B, Lk, H*dh)
  v: GpuTensor; // (B, Lk, H*dh)
  probs: GpuTensor; // (B, H, Lq, Lk) from attentionForward
  dOut: GpuTensor; // (B, Lq, H*dh)
  dQ: GpuTensor; // (B, Lq, H*dh), overwritten
  dK: GpuTensor; // (B, Lk, H*dh), overwritten
  dV: GpuTensor; // (B, Lk, H*dh), overwritten
  /** Optional (B, H, Lq, Lk) workspace for dS; when absent one is taken from the pool for this call. */
  dScores?: GpuTensor;
}

function resolveShape(op: string, s: AttentionShape): Required<AttentionShape> {
  for (const key of ['B', 'Lq', 'Lk', 'H', 'dh'] as const) {
    const x = s[key];
    if (!Number.isInteger(x) || x < 1) throw new Error(`${op}: ${key} must be a positive integer, got ${x}`);
  }
  const scale = s.scale ?? 1 / Math.sqrt(s.dh);
  if (!Number.isFinite(scale)) throw new Error(`${op}: scale must be finite, got ${scale}`);
  return { ...s, scale };
}

function expectSize(op: string, t: GpuTensor, what: string, size: number, shape: string): void {
  if (t.size !== size) throw new Error(`${op}: ${what} "${t.label}" has ${t.size} elements, expected ${shape} = ${size}`);
}

/** Written tensors (the first `nWritten` of `list`) must not share a buffer with any other tensor in the list. */
function expectDistinct(op: string, list: [string, GpuTensor][], nWritten: number): void {
  for (let w = 0; w < nWritten; w++) {
    for (let a = 0; a < list.length; a++) {
      if (a !== w && list[a][1].buffer === list[w][1].buffer) {
        throw new Error(`${op}: ${list[w][0]} is written and must not share a buffer with ${list[a][0]}`);
      }
    }
  }
}

function uniforms(s: Required<AttentionShape>, hasMask: boolean) {
  return [u32(s.B), u32(s.Lq), u32(s.Lk), u32(s.H), u32(s.dh), u32(hasMask ? 1 : 0), f32(s.scale), u32(0)];
}

/** Allocate the tensor the forward saves for the backward: P (B, H, Lq, Lk). */
export function attentionSaved(e: GpuEngine, s: AttentionShape, label = 'attention.probs'): GpuTensor {
  const r = resolveShape('attentionSaved', s);
  return e.tensor([r.B, r.H, r.Lq, r.Lk], label);
}

/**
 * out (B, Lq, H*dh) = softmax(scale * Q_h K_h^T over kept keys) V_h per head; P saved into `probs`.
 * Masked keys get probability exactly 0; an example whose keys are all masked gets P = 0 and out = 0.
 */
export function attentionForward(e: GpuEngine, t: AttentionForwardTensors, shape: AttentionShape): void {
  const op = 'attention.forward';
  const s = resolveShape(op, shape);
  const W = s.H * s.dh;
  expectSize(op, t.q, 'q', s.B * s.Lq * W, `(B, Lq, H*dh) = (${s.B}, ${s.Lq}, ${W})`);
  expectSize(op, t.k, 'k', s.B * s.Lk * W, `(B, Lk, H*dh) = (${s.B}, ${s.Lk}, ${W})`);
  expectSize(op, t.v, 'v', s.B * s.Lk * W, `(B, Lk, H*dh) = (${s.B}, ${s.Lk}, ${W})`);
  if (t.keyMask) expectSize(op, t.keyMask, 'keyMask', s.B * s.Lk, `(B, Lk) = (${s.B}, ${s.Lk})`);
  expectSize(op, t.out, 'out', s.B * s.Lq * W, `(B, Lq, H*dh) = (${s.B}, ${s.Lq}, ${W})`);
  expectSize(op, t.probs, 'probs', s.B * s.H * s.Lq * s.Lk, `(B, H, Lq, Lk) = (${s.B}, ${s.H}, ${s.Lq}, ${s.Lk})`);
  const named: [string, GpuTensor][] = [['out', t.out], ['probs', t.probs], ['q', t.q], ['k', t.k], ['v', t.v]];
  if (t.keyMask) named.push(['keyMask', t.keyMask]);
  expectDistinct(op, named, 2);
  // Without a mask the binding still needs a buffer: q is bound again (read-only, never read by the shader).
  const blocks = s.B * s.H * Math.ceil(s.Lq / 4);
  e.run(attentionForwardKernel(s.Lk), [t.keyMask ?? t.q, t.out, t.probs, t.k, t.v, t.q], uniforms(s, !!t.keyMask), grid1d(blocks, 1));
}

/**
 * Gradients of attentionForward: dQ, dK, dV (overwritten) from dOut and the saved probs. Masked keys get
 * dK = dV = 0 exactly; a fully masked example gets zero gradients.
 */
export function attentionBackward(e: GpuEngine, t: AttentionBackwardTensors, shape: AttentionShape): void {
  const op = 'attention.backward';
  const s = resolveShape(op, shape);
  const W = s.H * s.dh;
  const nP = s.B * s.H * s.Lq * s.Lk;
  expectSize(op, t.q, 'q', s.B * s.Lq * W, `(B, Lq, H*dh) = (${s.B}, ${s.Lq}, ${W})`);
  expectSize(op, t.k, 'k', s.B * s.Lk * W, `(B, Lk, H*dh) = (${s.B}, ${s.Lk}, ${W})`);
  expectSize(op, t.v, 'v', s.B * s.Lk * W, `(B, Lk, H*dh) = (${s.B}, ${s.Lk}, ${W})`);
  expectSize(op, t.probs, 'probs', nP, `(B, H, Lq, Lk) = (${s.B}, ${s.H}, ${s.Lq}, ${s.Lk})`);
  expectSize(op, t.dOut, 'dOut', s.B * s.Lq * W, `(B, Lq, H*dh) = (${s.B}, ${s.Lq}, ${W})`);
  expectSize(op, t.dQ, 'dQ', s.B * s.Lq * W, `(B, Lq, H*dh) = (${s.B}, ${s.Lq}, ${W})`);
  expectSize(op, t.dK, 'dK', s.B * s.Lk * W, `(B, Lk, H*dh) = (${s.B}, ${s.Lk}, ${W})`);
  expectSize(op, t.dV, 'dV', s.B * s.Lk * W, `(B, Lk, H*dh) = (${s.B}, ${s.Lk}, ${W})`);
  if (t.dScores) expectSize(op, t.dScores, 'dScores', nP, `(B, H, Lq, Lk) = (${s.B}, ${s.H}, ${s.Lq}, ${s.Lk})`);
  const named: [string, GpuTensor][] = [['dQ', t.dQ], ['dK', t.dK], ['dV', t.dV]];
  if (t.dScores) named.push(['dScores', t.dScores]);
  const nWritten = named.length;
  named.push(['q', t.q], ['k', t.k], ['v', t.v], ['probs', t.probs], ['dOut', t.dOut]);
  expectDistinct(op, named, nWritten);
  const dScores = t.dScores ?? e.tensor([s.B, s.H, s.Lq, s.Lk], 'attention.dScores');
  const u = uniforms(s, false);
  const common = [t.dOut, t.probs, dScores, t.k, t.v, t.q];
  e.run(attentionBackwardQueryKernel(s.Lk), [...common, t.dQ], u, grid1d(s.B * s.H * Math.ceil(s.Lq / 4), 1));
  e.run(attentionBackwardKeysKernel, [...common, t.dK, t.dV], u, grid1d(s.B * s.H * Math.ceil(s.Lk / 4) * Math.ceil(s.dh / 4), WG));
  // Commands run in recording order, so a later user of this pooled buffer cannot disturb the two dispatches.
  if (!t.dScores) dScores.release();
}
