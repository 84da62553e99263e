// Batched matrix multiply (forward and backward), the linear layer y = x W + b, and the bias gradient. See
// matmul.wgsl. Design decision: there is ONE tiled GEMM entry point; transposes, batch sharing (stride 0),
// bias, scale, accumulation and "sum over the batch" are uniforms, so every backward product is that same
// kernel with the transposes flipped: no transposed copy is ever materialised and no float atomics are needed.
import type { GpuEngine, GpuTensor } from '../gpu/engine';
import type { KernelSpec } from '../gpu/kernel';
import { f32, u32 } from '../gpu/uniforms';
import { checkDim, checkDistinct, checkSize } from './validate';
import wgsl from './matmul.wgsl?raw';

const bindings = ['read', 'read', 'read', 'rw', 'uniform'] as const;

/** A tile configuration: TX x TY invocations, TM x TN outputs each, K staged BK at a time. */
interface Tile {
  TX: number;
  TY: number;
  BK: number;
  /** Outputs per invocation (default 8 x 16); consts in the WGSL, set per kernel by withRegisterTile. */
  TM?: number;
  TN?: number;
}

const registerTiles = new Map<KernelSpec, { TM: number; TN: number }>();

/** The WGSL with its per-invocation output block set to TM x TN (the file's `const TM`/`const TN` lines). */
function withRegisterTile(TM: number, TN: number): string {
  const set = (src: string, name: string, v: number) => {
    const re = new RegExp(`const ${name}: u32 = \\d+u;`);
    if (!re.test(src)) throw new Error(`matmul.wgsl: no 'const ${name}: u32 = ...u;' line to set the register tile`);
    return src.replace(re, `const ${name}: u32 = ${v}u;`);
  };
  return set(set(wgsl, 'TM', TM), 'TN', TN);
}

function gemmSpec(name: string, t: Tile, entryPoint = 'gemm'): KernelSpec {
  const TM = t.TM ?? 8;
  const TN = t.TN ?? 16;
  const source = TM === 8 && TN === 16 ? wgsl : withRegisterTile(TM, TN);
  const spec: KernelSpec = { name, wgsl: source, entryPoint, bindings, overrides: { TX: t.TX, TY: t.TY, BK: t.BK } };
  registerTiles.set(spec, { TM, TN });
  return spec;
}

/**
 * 64 x 128 tiles (64 invocations): the default. On lavapipe at x (2048, 512) @ W (512, 128) it beat 64 x 64 tiles
 * with 8 x 8 or 4 x 4 outputs per invocation (about 1.1x and 2.5x) and 32 x 64 tiles (about 1.2x).
 */
export const matmulKernel: KernelSpec = gemmSpec('matmul.gemm', { TX: 8, TY: 8, BK: 16 });
/** 32 x 64 tiles (16 invocations): less padding for small or thin outputs. */
export const matmulSmallKernel: KernelSpec = gemmSpec('matmul.gemm_small', { TX: 4, TY: 4, BK: 16 });
/** The same two tiles reading operands as vec4 (gemm_v4): used when both operands' contiguous axes are multiples of 4. */
export const matmulVec4Kernel: KernelSpec = gemmSpec('matmul.gemm_v4', { TX: 8, TY: 8, BK: 16 }, 'gemm_v4');
export const matmulVec4SmallKernel: KernelSpec = gemmSpec('matmul.gemm_v4_small', { TX: 4, TY: 4, BK: 16 }, 'gemm_v4');
/**
 * gemm_v4 with 16 x 16 outputs per invocation: 128 x 128 tiles (64 invocations), the large vec4 tile on CPU adapters. On lavapipe
 * at the fine-tuning shapes (256 rows x 512/1536, all three forms) it beat the 8 x 16 block by about 1.2x (fewer
 * workgroup-memory loads per FMA; hp3 notes). 256 accumulators per invocation is a CPU-driver choice: on a GPU
 * it costs registers/occupancy (not re-tuned there).
 */
export const matmulVec4WideKernel: KernelSpec = gemmSpec('matmul.gemm_v4_wide', { TX: 8, TY: 8, BK: 16, TM: 16, TN: 16 }, 'gemm_v4');
/**
 * The vec4 path's large tile: the wide tile on CPU drivers (where it was measured), the 8 x 16 block elsewhere
 * (256 accumulators per invocation would cost a GPU registers and occupancy). `wide` forces either (tests, benchmarks).
 */
function vec4LargeKernel(e: GpuEngine, wide?: boolean): KernelSpec {
  return (wide ?? e.cpuAdapter) ? matmulVec4WideKernel : matmulVec4Kernel;
}
const BG = { RX: 32, RY: 8 };
export const biasGradKernel: KernelSpec = { name: 'matmul.bias_grad', wgsl, entryPoint: 'bias_grad', bindings, overrides: BG };

const MAX_GROUPS = 65535;

/** Rows and columns of the output tile a gemm kernel computes per workgroup. */
export function tileOf(spec: KernelSpec): { BM: number; BN: number } {
  const r = registerTiles.get(spec) ?? { TM: 8, TN: 16 };
  return { BM: (spec.overrides!.TY as number) * r.TM, BN: (spec.overrides!.TX as number) * r.TN };
}

// Per-output cost of the small tiles relative to the big ones when nothing is padded (measured on lavapipe: the
// small tiles stage operands twice as often).
const SMALL_TILE_COST = 1.5;

/**
 * The tile configuration for an (M, N) output: the big tiles unless padding to them wastes too much work. The
 * candidates default to the scalar pair; the vec4 path passes its own (wide and small).
 */
export function pickGemmKernel(M: number, N: number, large: KernelSpec = matmulKernel, small: KernelSpec = matmulSmallKernel): KernelSpec {
  const padded = (spec: KernelSpec) => {
    const { BM, BN } = tileOf(spec);
    return Math.ceil(M / BM) * BM * Math.ceil(N / BN) * BN;
  };
  return SMALL_TILE_COST * padded(small) < padded(large) ? small : large;
}

export interface MatmulOptions {
  /** Number of independent products (default 1). */
  batch?: number;
  M: number;
  K: number;
  N: number;
  /** A is stored (batch, K, M) instead of (batch, M, K). */
  transA?: boolean;
  /** B is stored (batch, N, K) instead of (batch, K, N). */
  transB?: boolean;
  /** A has a batch dimension (default true); false: one A shared by every batch. */
  aBatched?: boolean;
  /** B has a batch dimension (default true); false: one B (a weight) shared by every batch. */
  bBatched?: boolean;
  /** Added to every row of Y: (N). */
  bias?: GpuTensor | null;
  /** Y += result instead of Y = result (parameter gradients). */
  accumulate?: boolean;
  /** Scale of the product (default 1); the bias is not scaled. */
  alpha?: number;
  /** Sum the batch's products into one Y (M, N) (the gradient of a shared operand). */
  sumBatch?: boolean;
  /** Tile configuration (default 'auto': pickGemmKernel); forcing one is for tests and benchmarks. */
  tile?: 'auto' | 'large' | 'small';
  /**
   * Operand loads (default 'auto': vec4 when vec4Aligned, else scalar); forcing one is for tests and benchmarks
   * ('vec4' on unaligned operands throws).
   */
  path?: 'auto' | 'scalar' | 'vec4';
  /** The vec4 path's large tile: 16 x 16 outputs per invocation (true) or 8 x 16 (false); default: wide on CPU adapters. */
  wide?: boolean;
}

/**
 * Whether gemm_v4 may read these operands: each one's contiguous axis (A: K, or M when transA; B: N, or K when
 * transB) is a multiple of 4, so every vec4 lies in one row and every batch offset is 16-byte aligned.
 */
export function vec4Aligned(o: Pick<MatmulOptions, 'M' | 'K' | 'N' | 'transA' | 'transB'>): boolean {
  return (o.transA ? o.M : o.K) % 4 === 0 && (o.transB ? o.K : o.N) % 4 === 0;
}

/**
 * Y = alpha * op(A) @ op(B) + bias, batched: Y (batch, M, N) [(M, N) with sumBatch]; A (batch, M, K) or
 * (batch, K, M) with transA; B (batch, K, N) or (batch, N, K) with transB; a non-batched operand has no batch
 * dimension. `accumulate` adds into Y instead of overwriting it.
 */
export function matmul(e: GpuEngine, A: GpuTensor, B: GpuTensor, Y: GpuTensor, o: MatmulOptions): void {
  const op = 'matmul';
  const batch = o.batch ?? 1;
  for (const [n, v] of [['batch', batch], ['M', o.M], ['K', o.K], ['N', o.N]] as const) checkDim(op, n, v);
  const { M, K, N } = o;
  const aBatched = o.aBatched ?? true;
  const bBatched = o.bBatched ?? true;
  checkSize(op, A, (aBatched ? batch : 1) * M * K, `A ${o.transA ? '(K, M)' : '(M, K)'}${aBatched && batch > 1 ? ` x batch ${batch}` : ''}`);
  checkSize(op, B, (bBatched ? batch : 1) * K * N, `B ${o.transB ? '(N, K)' : '(K, N)'}${bBatched && batch > 1 ? ` x batch ${batch}` : ''}`);
  checkSize(op, Y, (o.sumBatch ? 1 : batch) * M * N, `Y (M, N)${o.sumBatch || batch === 1 ? '' : ` x batch ${batch}`}`);
  if (o.bias) checkSize(op, o.bias, N, 'bias (N)');
  checkDistinct(op, Y, [A, B, o.bias]);

  const aligned = vec4Aligned(o);
  if (o.path === 'vec4' && !aligned) {
    throw new Error(`${op}: path 'vec4' needs A's contiguous axis (${o.transA ? 'M' : 'K'}) and B's (${o.transB ? 'K' : 'N'}) to be multiples of 4; got M ${M}, K ${K}, N ${N}`);
  }
  const vec4 = o.path === 'vec4' || (o.path !== 'scalar' && aligned);
  const [large, small] = vec4 ? [vec4LargeKernel(e, o.wide), matmulVec4SmallKernel] : [matmulKernel, matmulSmallKernel];
  const spec = o.tile === 'large' ? large : o.tile === 'small' ? small : pickGemmKernel(M, N, large, small);
  const { BM, BN } = tileOf(spec);
  const gx = Math.ceil(N / BN);
  const gy = Math.ceil(M / BM);
  const gz = o.sumBatch ? 1 : batch;
  if (gx > MAX_GROUPS || gy > MAX_GROUPS || gz > MAX_GROUPS) {
    throw new Error(`${op}: shape (batch ${batch}, M ${M}, N ${N}) needs (${gx}, ${gy}, ${gz}) workgroups; at most ${MAX_GROUPS} per dimension`);
  }
  e.run(
    spec,
    [A, B, o.bias ?? A, Y],
    [
      u32(batch),
      u32(M),
      u32(K),
      u32(N),
      u32(aBatched ? M * K : 0),
      u32(bBatched ? K * N : 0),
      u32(M * N),
      u32(o.transA ? 1 : 0),
      u32(o.transB ? 1 : 0),
      u32(o.bias ? 1 : 0),
      u32(o.accumulate ? 1 : 0),
      u32(o.sumBatch ? 1 : 0),
      f32(o.alpha ?? 1),
    ],
    [gx, gy, gz],
  );
}

export interface MatmulGrads {
  /** Forward inputs. */
  A: GpuTensor;
  B: GpuTensor;
  /** Upstream gradient (batch, M, N). */
  dY: GpuTensor;
  /** Gradient of A, in A's layout; null to skip. */
  dA: GpuTensor | null;
  /** Gradient of B, in B's layout (summed over the batch when B is shared); null to skip. */
  dB: GpuTensor | null;
}

export interface MatmulBackwardOptions extends Omit<MatmulOptions, 'bias' | 'accumulate' | 'sumBatch' | 'aBatched' | 'tile' | 'path'> {
  /** dA += instead of = (default false: an activation gradient). */
  accumulateDA?: boolean;
  /** dB += instead of = (default: true when B is shared, i.e. a parameter; false when B is batched). */
  accumulateDB?: boolean;
}

/**
 * Backward of Y = alpha * op(A) @ op(B) (+ bias; its gradient is biasGrad(dY) with rows = batch * M):
 * dA = alpha * dY op(B)^T laid out like A, dB = alpha * op(A)^T dY laid out like B (summed over the batch when
 * B is shared). Each is one gemm dispatch with flipped transposes.
 */
export function matmulBackward(e: GpuEngine, g: MatmulGrads, o: MatmulBackwardOptions): void {
  const batch = o.batch ?? 1;
  const { M, K, N, alpha } = o;
  const transA = !!o.transA;
  const transB = !!o.transB;
  const bBatched = o.bBatched ?? true;
  const op = 'matmulBackward';
  checkSize(op, g.dY, batch * M * N, `dY (batch ${batch}, M ${M}, N ${N})`);
  if (g.dA) {
    checkDistinct(op, g.dA, [g.A, g.B, g.dY]);
    const accumulate = o.accumulateDA ?? false;
    if (!transA) {
      // dA (M, K) = dY (M, N) @ op(B)^T (N, K)
      matmul(e, g.dY, g.B, g.dA, { batch, M, K: N, N: K, transB: !transB, bBatched, accumulate, alpha });
    } else {
      // dA (K, M) = op(B) (K, N) @ dY^T (N, M)
      matmul(e, g.B, g.dY, g.dA, { batch, M: K, K: N, N: M, transA: transB, transB: true, aBatched: bBatched, accumulate, alpha });
    }
  }
  if (g.dB) {
    checkDistinct(op, g.dB, [g.A, g.B, g.dY]);
    const accumulate = o.accumulateDB ?? !bBatched;
    // A shared B sums over the batch; with A (batch, M, K) contiguous that is one product over batch*M rows.
    const fold = !bBatched && !transA;
    const b = fold ? 1 : batch;
    const rows = fold ? batch * M : M;
    const sumBatch = !bBatched && !fold;
    if (!transB) {
      // dB (K, N) = op(A)^T (K, M) @ dY (M, N)
      matmul(e, g.A, g.dY, g.dB, { batch: b, M: K, K: rows, N, transA: !transA, accumulate, alpha, sumBatch });
    } else {
      // dB (N, K) = dY^T (N, M) @ op(A) (M, K)
      matmul(e, g.dY, g.A, g.dB, { batch: b, M: N, K: rows, N: K, transA: true, transB: transA, accumulate, alpha, sumBatch });
    }
  }
}

/** db += column sums of dY (rows, N): the bias gradient (a parameter gradient, so it accumulates). */
export function biasGrad(e: GpuEngine, dY: GpuTensor, db: GpuTensor, o: { rows: number; N: number }): void {
  const op = 'biasGrad';
  checkDim(op, 'rows', o.rows);
  checkDim(op, 'N', o.N);
  checkSize(op, dY, o.rows * o.N, `dY (rows ${o.rows}, N ${o.N})`);
  checkSize(op, db, o.N, 'db (N)');
  checkDistinct(op, db, [dY]);
  const gx = Math.ceil(o.N / BG.RX);
  if (gx > MAX_GROUPS) throw new Error(`${op}: N ${o.N} needs ${gx} workgroups; at most ${MAX_GROUPS}`);
  // Same Params struct as the gemm (one module, one layout): only M (= rows) and N are read.
  const params = [u32(1), u32(o.rows), u32(0), u32(o.N), ...[0, 0, 0, 0, 0, 0, 0, 0].map(u32), f32(1)];
  e.run(biasGradKernel, [dY, dY, dY, db], params, [gx]);
}

export interface LinearShape {
  rows: number;
  K: number;
  N: number;
}

/** y (rows, N) = x (rows, K) @ W (K, N) + b (N); b may be null. */
export function linearForward(e: GpuEngine, x: GpuTensor, W: GpuTensor, b: GpuTensor | null, y: GpuTensor, s: LinearShape): void {
  matmul(e, x, W, y, { M: s.rows, K: s.K, N: s.N, bias: b });
}

export interface LinearGrads {
  x: GpuTensor;
  W: GpuTensor;
  dY: GpuTensor;
  /** dX = dY W^T (overwritten); null to skip (e.g. x is a frozen input). */
  dX: GpuTensor | null;
  /** dW += x^T dY (accumulated); null to skip. */
  dW: GpuTensor | null;
  /** db += column sums of dY (accumulated); null when the layer has no bias. */
  db: GpuTensor | null;
}

/** Backward of y = x W + b: dX = dY W^T, dW += x^T dY, db += sum over rows of dY. */
export function linearBackward(e: GpuEngine, g: LinearGrads, s: LinearShape): void {
  matmulBackward(e, { A: g.x, B: g.W, dY: g.dY, dA: g.dX, dB: g.dW }, { M: s.rows, K: s.K, N: s.N, bBatched: false, accumulateDB: true });
  if (g.db) biasGrad(e, g.dY, g.db, { rows: s.rows, N: s.N });
}
