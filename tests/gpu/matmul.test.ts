import { describe, expect, it } from 'vitest';
import { type GpuEngine, type GpuTensor, withErrorScopes } from '../../src/gpu/engine';
import {
  biasGrad,
  linearBackward,
  linearForward,
  matmul,
  matmulBackward,
  matmulKernel,
  matmulSmallKernel,
  matmulVec4SmallKernel,
  matmulVec4WideKernel,
  pickGemmKernel,
  tileOf,
  vec4Aligned,
} from '../../src/kernels/matmul';
import * as ref from '../../reference/matmul';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

// float32 sums of K products of N(0,1) values: typical error ~ sqrt(K) * 6e-8 * sqrt(K); 2e-6*K leaves a wide
// margin for that while any indexing or transpose mistake gives O(1) errors.
const atolFor = (K: number) => 1e-6 + 2e-6 * K;
const RTOL = 1e-5;
const SENTINEL = 12345.5; // pre-fills outputs that must be overwritten

const sizeA = (s: ref.MatmulShape) => s.batch * s.M * s.K;
const sizeB = (s: ref.MatmulShape) => (s.bBatched === false ? 1 : s.batch) * s.K * s.N;
const filled = (n: number, v: number) => new Float64Array(n).fill(v);

function tag(s: ref.MatmulShape): string {
  return `b${s.batch} ${s.M}x${s.K}x${s.N}${s.transA ? ' tA' : ''}${s.transB ? ' tB' : ''}${s.bBatched === false ? ' sharedB' : ''}`;
}

async function gpu<T>(fn: (e: GpuEngine) => Promise<T>): Promise<T> {
  const e = await testEngine();
  return withErrorScopes(e.device, () => fn(e));
}

function release(...ts: (GpuTensor | null)[]): void {
  for (const t of ts) t?.release();
}

/** Forward on the GPU vs the reference; Y starts as `y0` (sentinel unless accumulating). */
async function checkForward(
  s: ref.MatmulShape,
  opts: { bias?: boolean; accumulate?: boolean; seed?: number; tile?: 'large' | 'small'; path?: 'scalar' | 'vec4'; wide?: boolean; sumBatch?: boolean } = {},
) {
  const seed = opts.seed ?? 1;
  const A = randn(sizeA(s), seed);
  const B = randn(sizeB(s), seed + 1);
  const bias = opts.bias ? randn(s.N, seed + 2) : null;
  const ny = (opts.sumBatch ? 1 : s.batch) * s.M * s.N;
  const y0 = opts.accumulate ? randn(ny, seed + 3) : filled(ny, SENTINEL);
  await gpu(async (e) => {
    const tA = upload(e, A, [sizeA(s)], 'A');
    const tB = upload(e, B, [sizeB(s)], 'B');
    const tBias = bias ? upload(e, bias, [s.N], 'bias') : null;
    const tY = upload(e, y0, [ny], 'Y');
    matmul(e, tA, tB, tY, { ...s, bias: tBias, accumulate: opts.accumulate, tile: opts.tile, path: opts.path, wide: opts.wide, sumBatch: opts.sumBatch });
    let want = ref.matmulForward(A, B, bias, s);
    if (opts.sumBatch) {
      const sum = new Float64Array(ny);
      for (let b = 0; b < s.batch; b++) for (let i = 0; i < ny; i++) sum[i] += want[b * ny + i] - (bias ? bias[i % s.N] : 0);
      if (bias) for (let i = 0; i < ny; i++) sum[i] += bias[i % s.N];
      want = sum;
    }
    if (opts.accumulate) for (let i = 0; i < ny; i++) want[i] += y0[i];
    expectClose(await tY.read(), want, atolFor(s.K), RTOL, `Y ${tag(s)}`);
    release(tA, tB, tBias, tY);
  });
}

/**
 * dA and dB of `s` on the GPU against the float64 reference (operands from seeds seed..seed+3). dA always
 * overwrites; dB accumulates by default exactly when B is shared (a parameter), so its start is random then.
 */
async function checkBackward(s: ref.MatmulShape, seed: number): Promise<void> {
  const A = randn(sizeA(s), seed);
  const B = randn(sizeB(s), seed + 1);
  const dY = randn(s.batch * s.M * s.N, seed + 2);
  const dB0 = s.bBatched ? filled(sizeB(s), SENTINEL) : randn(sizeB(s), seed + 3);
  await gpu(async (e) => {
    const tA = upload(e, A, [sizeA(s)], 'A');
    const tB = upload(e, B, [sizeB(s)], 'B');
    const tdY = upload(e, dY, [dY.length], 'dY');
    const tdA = upload(e, filled(sizeA(s), SENTINEL), [sizeA(s)], 'dA');
    const tdB = upload(e, dB0, [sizeB(s)], 'dB');
    matmulBackward(e, { A: tA, B: tB, dY: tdY, dA: tdA, dB: tdB }, s);
    const want = ref.matmulBackward(A, B, dY, s);
    if (!s.bBatched) for (let i = 0; i < dB0.length; i++) want.dB[i] += dB0[i];
    expectClose(await tdA.read(), want.dA, atolFor(s.N), RTOL, 'dA');
    expectClose(await tdB.read(), want.dB, atolFor(s.batch * s.M), RTOL, 'dB');
    release(tA, tB, tdY, tdA, tdB);
  });
}

describe('matmul forward (GPU vs float64 reference)', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const bBatched of [true, false]) {
        for (const bias of [false, true]) {
          const s: ref.MatmulShape = { batch: 3, M: 37, K: 70, N: 3, transA, transB, bBatched };
          it(`${tag(s)}${bias ? ' +bias' : ''}`, () => checkForward(s, { bias, seed: 7 }));
        }
      }
    }
  }

  it('accumulate with alpha and bias (Y += alpha*AB + bias)', async () => {
    await checkForward({ batch: 3, M: 37, K: 70, N: 3, transA: true, alpha: -0.375 }, { bias: true, accumulate: true, seed: 3 });
    await checkForward({ batch: 2, M: 5, K: 9, N: 70, transB: true, bBatched: false, alpha: 2 }, { accumulate: true, seed: 4 });
  });

  for (const s of [
    { batch: 3, M: 37, K: 1, N: 3 },
    { batch: 3, M: 37, K: 1, N: 3, transA: true, transB: true },
    { batch: 3, M: 37, K: 70, N: 1 },
    { batch: 2, M: 37, K: 70, N: 1, transA: true, transB: true, bBatched: false },
    { batch: 1, M: 1, K: 70, N: 37 },
    { batch: 1, M: 1, K: 1, N: 1 },
  ] as ref.MatmulShape[]) {
    it(`edge shape ${tag(s)}`, () => checkForward(s, { bias: true, seed: 11 }));
  }

  it('tile choice: large tiles unless padding to them wastes work', () => {
    expect(pickGemmKernel(2048, 128)).toBe(matmulKernel);
    expect(pickGemmKernel(130, 65)).toBe(matmulKernel);
    expect(pickGemmKernel(37, 3)).toBe(matmulSmallKernel);
    expect(pickGemmKernel(2048, 3)).toBe(matmulSmallKernel);
    expect(tileOf(matmulKernel)).toEqual({ BM: 64, BN: 128 });
    expect(tileOf(matmulSmallKernel)).toEqual({ BM: 32, BN: 64 });
    // The vec4 path's pair: 128 x 128 wide tiles (16 x 16 outputs per invocation) or the small vec4 tiles.
    expect(tileOf(matmulVec4WideKernel)).toEqual({ BM: 128, BN: 128 });
    expect(pickGemmKernel(256, 1536, matmulVec4WideKernel, matmulVec4SmallKernel)).toBe(matmulVec4WideKernel);
    expect(pickGemmKernel(8, 512, matmulVec4WideKernel, matmulVec4SmallKernel)).toBe(matmulVec4SmallKernel);
  });

  // Several tiles in both directions, partial last tiles and a partial last K step, for both configurations.
  for (const tile of ['large', 'small'] as const) {
    it(`multiple tiles with ${tile} tiles: 130x257x65 and 130x77x131`, async () => {
      await checkForward({ batch: 1, M: 130, K: 257, N: 65 }, { bias: true, seed: 21, tile });
      await checkForward({ batch: 2, M: 130, K: 77, N: 131, transA: true, transB: true }, { seed: 22, tile });
      await checkForward({ batch: 2, M: 130, K: 77, N: 131, transB: true, bBatched: false }, { bias: true, accumulate: true, seed: 23, tile });
      await checkForward({ batch: 1, M: 130, K: 77, N: 131, transA: true }, { seed: 24, tile });
    });
  }

  it('sumBatch reduces the batch into one Y', async () => {
    const s: ref.MatmulShape = { batch: 3, M: 37, K: 70, N: 5, transA: true };
    const A = randn(sizeA(s), 31);
    const B = randn(sizeB(s), 32);
    const y0 = randn(s.M * s.N, 33);
    await gpu(async (e) => {
      const tA = upload(e, A, [sizeA(s)], 'A');
      const tB = upload(e, B, [sizeB(s)], 'B');
      const tY = upload(e, y0, [s.M * s.N], 'Y');
      matmul(e, tA, tB, tY, { ...s, sumBatch: true, accumulate: true });
      const full = ref.matmulForward(A, B, null, s);
      const want = Float64Array.from(y0);
      for (let b = 0; b < s.batch; b++) for (let i = 0; i < s.M * s.N; i++) want[i] += full[b * s.M * s.N + i];
      expectClose(await tY.read(), want, atolFor(s.K * s.batch), RTOL, 'Y summed');
      release(tA, tB, tY);
    });
  });
});

// gemm_v4 reads operands as vec4 when each one's contiguous axis is a multiple of 4. These shapes keep those axes
// aligned and make every other axis ragged: partial last tiles along M and N (67/68 rows, 131/132 columns: 2
// tiles of 64 x 128 or 3 x 3 of 32 x 64), a partial last K step (36 = 16 + 16 + 4), batch strides, a shared B.
describe('matmul gemm_v4 (vec4 loads) vs float64 reference and the scalar path', () => {
  const aligned = (transA: boolean, transB: boolean, batch = 2, bBatched = true): ref.MatmulShape => ({
    batch,
    M: transA ? 68 : 67,
    K: 36,
    N: transB ? 131 : 132,
    transA,
    transB,
    bBatched,
  });

  // The wide vec4 tile (128 x 128) over several tiles each way: 132 rows (128 + 4) and 260 columns (2 x 128 + 4).
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const s: ref.MatmulShape = { batch: 1, M: 132, K: 20, N: 260, transA, transB, bBatched: false };
      it(`wide tiles ${tag(s)} +bias`, () => checkForward(s, { bias: true, seed: 84, tile: 'large', path: 'vec4', wide: true }));
      // The 8 x 16 vec4 block (64 x 128 tiles): the large tile on hardware adapters, so it is checked here too.
      it(`8 x 16 vec4 tiles ${tag(s)} +bias`, () => checkForward(s, { bias: true, seed: 85, tile: 'large', path: 'vec4', wide: false }));
    }
  }

  it('vec4Aligned: the contiguous axes only', () => {
    expect(vec4Aligned({ M: 67, K: 36, N: 132 })).toBe(true);
    expect(vec4Aligned({ M: 67, K: 36, N: 131, transB: true })).toBe(true);
    expect(vec4Aligned({ M: 68, K: 37, N: 132, transA: true })).toBe(true); // K is neither operand's contiguous axis here
    expect(vec4Aligned({ M: 67, K: 36, N: 132, transA: true })).toBe(false);
    expect(vec4Aligned({ M: 68, K: 35, N: 132 })).toBe(false);
    expect(vec4Aligned({ M: 68, K: 36, N: 130 })).toBe(false);
  });

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const bBatched of [true, false]) {
        for (const tile of ['large', 'small'] as const) {
          const s = aligned(transA, transB, 2, bBatched);
          it(`${tag(s)} ${tile} tiles +bias`, () => checkForward(s, { bias: true, seed: 81, tile, path: 'vec4' }));
        }
      }
      it(`accumulate, alpha, sumBatch ${transA ? 'tA' : ''}${transB ? ' tB' : ''}`, async () => {
        await checkForward({ ...aligned(transA, transB, 3), alpha: -0.75 }, { bias: true, accumulate: true, seed: 82, path: 'vec4' });
        await checkForward(aligned(transA, transB, 3), { accumulate: true, sumBatch: true, seed: 83, path: 'vec4' });
      });
    }
  }

  it("auto takes gemm_v4 on aligned shapes and gives the scalar path's result", async () => {
    const s = aligned(false, true, 1);
    const A = randn(sizeA(s), 91);
    const B = randn(sizeB(s), 92);
    await gpu(async (e) => {
      const tA = upload(e, A, [sizeA(s)], 'A');
      const tB = upload(e, B, [sizeB(s)], 'B');
      const ny = s.M * s.N;
      const outs: Float32Array[] = [];
      for (const path of ['scalar', 'vec4', 'auto'] as const) {
        const tY = upload(e, filled(ny, SENTINEL), [ny], 'Y');
        matmul(e, tA, tB, tY, { ...s, path });
        outs.push(await tY.read());
        release(tY);
      }
      expectClose(outs[1], Float64Array.from(outs[0]), atolFor(s.K), RTOL, 'vec4 vs scalar');
      expect(outs[2]).toEqual(outs[1]);
      release(tA, tB);
    });
  });

  it("path 'vec4' on unaligned operands is refused with the reason", async () => {
    await gpu(async (e) => {
      const A = e.zeros([6], 'A');
      const B = e.zeros([6], 'B');
      const Y = e.zeros([4], 'Y');
      expect(() => matmul(e, A, B, Y, { M: 2, K: 3, N: 2, path: 'vec4' })).toThrow(/path 'vec4' needs A's contiguous axis \(K\) and B's \(N\) to be multiples of 4; got M 2, K 3, N 2/);
      release(A, B, Y);
    });
  });

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const s: ref.MatmulShape = { batch: 2, M: 68, K: 36, N: 132, transA, transB, bBatched: false, alpha: 0.5 };
      it(`backward through gemm_v4: dA, dB ${tag(s)}`, () => checkBackward(s, 95));
    }
  }
});

describe('matmul backward (GPU vs float64 reference)', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const bBatched of [true, false]) {
        const s: ref.MatmulShape = { batch: 3, M: 37, K: 70, N: 5, transA, transB, bBatched, alpha: 0.5 };
        // dA always overwrites; dB accumulates by default exactly when B is shared (a parameter).
        it(`dA, dB ${tag(s)}`, () => checkBackward(s, 41));
      }
    }
  }

  it('explicit accumulate flags and skipped gradients', async () => {
    const s: ref.MatmulShape = { batch: 2, M: 9, K: 4, N: 6, transB: true };
    const A = randn(sizeA(s), 51);
    const B = randn(sizeB(s), 52);
    const dY = randn(s.batch * s.M * s.N, 53);
    const dA0 = randn(sizeA(s), 54);
    await gpu(async (e) => {
      const tA = upload(e, A, [sizeA(s)], 'A');
      const tB = upload(e, B, [sizeB(s)], 'B');
      const tdY = upload(e, dY, [dY.length], 'dY');
      const tdA = upload(e, dA0, [sizeA(s)], 'dA');
      matmulBackward(e, { A: tA, B: tB, dY: tdY, dA: tdA, dB: null }, { ...s, accumulateDA: true });
      const want = ref.matmulBackward(A, B, dY, s);
      for (let i = 0; i < dA0.length; i++) want.dA[i] += dA0[i];
      expectClose(await tdA.read(), want.dA, atolFor(s.N), RTOL, 'dA accumulated');
      release(tA, tB, tdY, tdA);
    });
  });
});

describe('linear layer and bias gradient (GPU vs float64 reference)', () => {
  for (const [rows, K, N, withBias] of [
    [37, 70, 3, true],
    [37, 70, 3, false],
    [130, 257, 65, true],
    [1, 1, 1, true],
  ] as [number, number, number, boolean][]) {
    it(`forward and backward rows=${rows} K=${K} N=${N}${withBias ? ' +b' : ''}`, async () => {
      const x = randn(rows * K, 61);
      const W = randn(K * N, 62);
      const b = withBias ? randn(N, 63) : null;
      const dY = randn(rows * N, 64);
      const dW0 = randn(K * N, 65);
      const db0 = randn(N, 66);
      await gpu(async (e) => {
        const tx = upload(e, x, [rows, K], 'x');
        const tW = upload(e, W, [K, N], 'W');
        const tb = b ? upload(e, b, [N], 'b') : null;
        const ty = upload(e, filled(rows * N, SENTINEL), [rows, N], 'y');
        linearForward(e, tx, tW, tb, ty, { rows, K, N });
        expectClose(await ty.read(), ref.linearForward(x, W, b, rows, K, N), atolFor(K), RTOL, 'y');

        const tdY = upload(e, dY, [rows, N], 'dY');
        const tdX = upload(e, filled(rows * K, SENTINEL), [rows, K], 'dX');
        const tdW = upload(e, dW0, [K, N], 'dW');
        const tdb = withBias ? upload(e, db0, [N], 'db') : null;
        linearBackward(e, { x: tx, W: tW, dY: tdY, dX: tdX, dW: tdW, db: tdb }, { rows, K, N });
        const want = ref.linearBackward(x, W, dY, rows, K, N);
        expectClose(await tdX.read(), want.dX, atolFor(N), RTOL, 'dX (overwritten)');
        expectClose(await tdW.read(), want.dW.map((v, i) => v + dW0[i]), atolFor(rows), RTOL, 'dW (accumulated)');
        if (tdb) expectClose(await tdb.read(), want.db.map((v, i) => v + db0[i]), atolFor(rows), RTOL, 'db (accumulated)');

        // dX skipped (a frozen input): dW accumulates a second time.
        linearBackward(e, { x: tx, W: tW, dY: tdY, dX: null, dW: tdW, db: null }, { rows, K, N });
        expectClose(await tdW.read(), want.dW.map((v, i) => 2 * v + dW0[i]), atolFor(rows), RTOL, 'dW twice');
        release(tx, tW, tb, ty, tdY, tdX, tdW, tdb);
      });
    });
  }

  for (const [rows, N] of [
    [37, 70],
    [1, 1],
    [1000, 3],
    [5, 33],
  ]) {
    it(`biasGrad rows=${rows} N=${N} accumulates column sums`, async () => {
      const dY = randn(rows * N, 71);
      const db0 = randn(N, 72);
      await gpu(async (e) => {
        const tdY = upload(e, dY, [rows, N], 'dY');
        const tdb = upload(e, db0, [N], 'db');
        biasGrad(e, tdY, tdb, { rows, N });
        const want = ref.biasGrad(dY, rows, N).map((v, i) => v + db0[i]);
        expectClose(await tdb.read(), want, atolFor(rows), RTOL, 'db');
        release(tdY, tdb);
      });
    });
  }
});

describe('matmul wrappers', () => {
  it('validate sizes and aliasing with clear errors', async () => {
    await gpu(async (e) => {
      const A = e.zeros([6], 'A');
      const B = e.zeros([6], 'B');
      const Y = e.zeros([4], 'Y');
      expect(() => matmul(e, A, B, Y, { M: 2, K: 3, N: 2 })).not.toThrow();
      expect(() => matmul(e, A, B, Y, { batch: 2, M: 1, K: 3, N: 2, bBatched: false })).not.toThrow();
      expect(() => matmul(e, A, B, Y, { M: 2, K: 3, N: 2, bias: Y })).toThrow(/"Y" has 4 elements, bias \(N\) needs 2/);
      expect(() => matmul(e, A, B, Y, { M: 2, K: 3, N: 3 })).toThrow(/"B" has 6 elements, B \(K, N\) needs 9/);
      expect(() => matmul(e, A, B, Y, { M: 3, K: 2, N: 3, transB: true })).toThrow(/"Y" has 4 elements, Y \(M, N\) needs 9/);
      expect(() => matmul(e, A, B, Y, { batch: 2, M: 1, K: 3, N: 2 })).toThrow(/"B" has 6 elements, B \(K, N\) x batch 2 needs 12/);
      expect(() => matmul(e, A, B, Y, { M: 0, K: 3, N: 2 })).toThrow(/M must be a positive integer/);
      expect(() => matmul(e, A, B, Y, { M: 2, K: 1.5, N: 2 })).toThrow(/K must be a positive integer/);
      const Y6 = e.zeros([6], 'Y6');
      expect(() => matmul(e, Y6, Y, Y6, { M: 3, K: 2, N: 2 })).toThrow(/output "Y6" must not alias input "Y6"/);
      expect(() => biasGrad(e, A, Y, { rows: 3, N: 2 })).toThrow(/"Y" has 4 elements, db \(N\) needs 2/);
      expect(() => matmulBackward(e, { A, B, dY: Y, dA: A, dB: null }, { M: 2, K: 3, N: 2 })).toThrow(/must not alias/);
      release(A, B, Y, Y6);
    });
  });

  it('shapes reuse pipelines: a second shape compiles nothing new', async () => {
    await checkForward({ batch: 2, M: 8, K: 8, N: 8 }, { bias: true });
    const e = await testEngine();
    const before = e.pipelines.compiled;
    // Aligned like the first (both take gemm_v4) and the same tile choice; only the uniforms differ.
    await checkForward({ batch: 3, M: 12, K: 20, N: 4, transA: true, transB: true }, { bias: true });
    expect(e.pipelines.compiled).toBe(before);
  });
});
