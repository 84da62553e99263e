import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { f32, u32 } from '../../src/gpu/uniforms';
import { embeddingBackward, embeddingForward, embeddingForwardKernel, uploadEmbeddingIds } from '../../src/kernels/embedding';
import * as ref from '../../reference/embedding';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

async function runCase(V: number, E: number, ids: number[], scale: number, seed: number) {
  const e = await testEngine();
  const rows = ids.length;
  const table = randn(V * E, seed);
  const acc = randn(rows * E, seed + 1);
  const dOut = randn(rows * E, seed + 2);
  const dTable0 = randn(V * E, seed + 3); // the gradient already holds something: backward adds
  const got = await withErrorScopes(e.device, async () => {
    const tIds = uploadEmbeddingIds(e, ids, V, 'ids');
    const t = {
      table: upload(e, table, [V, E], 'table'),
      out: upload(e, new Float64Array(rows * E).fill(Number.NaN), [rows, E], 'out'), // overwritten
      acc: upload(e, acc, [rows, E], 'acc'),
      dOut: upload(e, dOut, [rows, E], 'dOut'),
      dTable: upload(e, dTable0, [V, E], 'dTable'),
    };
    embeddingForward(e, { table: t.table, ids: tIds, out: t.out }, { E, scale });
    embeddingForward(e, { table: t.table, ids: tIds, out: t.acc }, { E, scale, accumulate: true });
    embeddingBackward(e, { ids: tIds, dOut: t.dOut, dTable: t.dTable }, { E, scale });
    const out = { out: await t.out.read(), acc: await t.acc.read(), dTable: await t.dTable.read() };
    for (const v of Object.values(t)) v.release();
    tIds.release();
    return out;
  });
  const shape = { V, E, scale };
  expectClose(got.out, ref.embeddingForward(table, ids, shape), 0, 1e-7, 'out');
  expectClose(got.acc, ref.embeddingForward(table, ids, shape, acc), 1e-6, 1e-6, 'out += ...');
  const dRef = ref.embeddingBackward(ids, dOut, shape);
  expectClose(got.dTable, dRef.map((d, i) => d + dTable0[i]), 1e-5, 1e-5, 'dTable');
  return { got, dTable0 };
}

describe('embedding gather kernel (GPU vs float64 reference)', () => {
  it('V=11, E=70, 37 rows with repeated ids, scale 2 (USE-lite word rows)', async () => {
    const ids = Array.from({ length: 37 }, (_, i) => (i * 5 + (i >> 2)) % 11);
    ids[3] = 10;
    await runCase(11, 70, ids, 2, 10);
  });

  it('rows of ids not gathered keep their gradient bit for bit; one id used by every row', async () => {
    const V = 9;
    const E = 3;
    const ids = Array.from({ length: 300 }, () => 4); // 300 rows into one (id, column) reduction
    const { got, dTable0 } = await runCase(V, E, ids, 1, 20);
    for (let v = 0; v < V; v++) {
      if (v === 4) continue;
      for (let c = 0; c < E; c++) expect(got.dTable[v * E + c]).toBe(Math.fround(dTable0[v * E + c]));
    }
  });

  it('position and token-type rows: ids 0..T-1 per example, B=2, T=5, E=1', async () => {
    await runCase(8, 1, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4], 1, 30);
    await runCase(2, 4, [0, 0, 1, 1, 0, 1, 1], -0.5, 31);
  });

  it('is deterministic: the backward gives identical bits on a rerun', async () => {
    const e = await testEngine();
    const V = 5;
    const E = 33;
    const ids = Array.from({ length: 200 }, (_, i) => (i * 3) % V);
    const dOut = randn(200 * E, 40, 10);
    const runs: Float32Array[] = [];
    for (let k = 0; k < 2; k++) {
      runs.push(
        await withErrorScopes(e.device, async () => {
          const tIds = uploadEmbeddingIds(e, ids, V);
          const tdOut = upload(e, dOut, [200, E], 'dOut');
          const dTable = e.zeros([V, E], 'dTable');
          embeddingBackward(e, { ids: tIds, dOut: tdOut, dTable }, { E });
          const r = await dTable.read();
          tIds.release();
          tdOut.release();
          dTable.release();
          return r;
        }),
      );
    }
    expect([...runs[1]]).toEqual([...runs[0]]);
  });

  it('WGSL guard: an out-of-range id (bypassing the CPU check) reads a zero row and writes nothing else', async () => {
    const e = await testEngine();
    const [V, E] = [3, 4];
    const table = randn(V * E, 50);
    const got = await withErrorScopes(e.device, async () => {
      const ids = e.tensor([2], 'raw ids', Uint32Array.from([1, 7]));
      const tt = upload(e, table, [V, E], 'table');
      const out = upload(e, new Float64Array(2 * E).fill(5), [2, E], 'out');
      e.run(embeddingForwardKernel, [ids, tt, out], [u32(2), u32(E), u32(V), u32(0), f32(1), u32(0)], [1, 1]);
      const r = await out.read();
      for (const t of [ids, tt, out]) t.release();
      return r;
    });
    expectClose(got, [...table.slice(E, 2 * E), 0, 0, 0, 0], 0, 0, 'out');
  });

  it('validates ids and sizes on the CPU with clear errors', async () => {
    const e = await testEngine();
    expect(() => uploadEmbeddingIds(e, [0, 5, 2], 5, 'input_ids')).toThrow(/input_ids\[1\] = 5 is not a row of the table/);
    expect(() => uploadEmbeddingIds(e, [], 5)).toThrow(/rows must be a positive integer/);
    const ids = uploadEmbeddingIds(e, [0, 1, 2], 4);
    const table = e.tensor([4, 6], 'table');
    const out = e.tensor([3, 5], 'out');
    expect(() => embeddingForward(e, { table, ids, out }, { E: 6 })).toThrow(/"out" has 15 elements, out \(rows, E\) = \(3, 6\) needs 18/);
    expect(() => embeddingForward(e, { table: out, ids, out: table }, { E: 6 })).toThrow(/"out" has 15 elements, table \(V, E\) = \(4, 6\) needs 24/);
    expect(() => embeddingBackward(e, { ids, dOut: out, dTable: table }, { E: 5 })).toThrow(/"table" has 24 elements, dTable \(V, E\) = \(4, 5\) needs 20/);
    expect(() => embeddingForward(e, { table, ids, out: table }, { E: 6 })).toThrow(/needs 18/);
    ids.release();
    table.release();
    out.release();
  });
});
