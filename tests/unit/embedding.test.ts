import { describe, expect, it } from 'vitest';
import { embeddingBackward, embeddingForward } from '../../reference/embedding';
import { compareGrads, dot, finiteDifference } from '../../reference/gradcheck';
import { checkIds, groupIds } from '../../src/kernels/embedding';
import { randn } from '../helpers/rng';

describe('reference embedding gather', () => {
  it('forward picks scaled rows and adds to acc', () => {
    const table = Float64Array.from([1, 2, 3, 4, 5, 6]); // V=3, E=2
    expect([...embeddingForward(table, [2, 0, 2], { V: 3, E: 2, scale: 2 })]).toEqual([10, 12, 2, 4, 10, 12]);
    const acc = Float64Array.from([1, 1, 1, 1]);
    expect([...embeddingForward(table, [1, 1], { V: 3, E: 2 }, acc)]).toEqual([4, 5, 4, 5]);
    expect([...acc]).toEqual([1, 1, 1, 1]); // acc itself untouched
  });
  it('backward (scatter-add with repeated ids) matches central finite differences on the table', () => {
    const [V, E] = [7, 5];
    const ids = [3, 0, 3, 6, 3, 1, 0, 6, 6, 2, 3];
    const table = randn(V * E, 1);
    const w = randn(ids.length * E, 2);
    const shape = { V, E, scale: 1.5 };
    const dTable = embeddingBackward(ids, w, shape);
    const r = compareGrads(dTable, finiteDifference(table, () => dot(embeddingForward(table, ids, shape), w)), 1e-8, 1e-6);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    for (let c = 0; c < E; c++) expect(dTable[4 * E + c]).toBe(0); // id 4 never gathered
  });
  it('rejects out-of-range ids', () => {
    expect(() => embeddingForward(new Float64Array(4), [0, 2], { V: 2, E: 2 })).toThrow(/ids\[1\] = 2/);
  });
});

describe('groupIds (CSR grouping for the scatter-add backward)', () => {
  it('groups rows by id, unique ids ascending, rows ascending within an id', () => {
    const g = groupIds([5, 1, 5, 0, 1, 5], 6);
    expect([...g.unique]).toEqual([0, 1, 5]);
    expect([...g.offsets]).toEqual([0, 1, 3, 6]);
    expect([...g.rowList]).toEqual([3, 1, 4, 0, 2, 5]);
  });
  it('covers every row once, for a random batch against a large vocabulary', () => {
    const V = 30522;
    const ids = Array.from({ length: 500 }, (_, i) => (i * 7919 + (i % 13) * 104729) % V);
    ids[17] = ids[3];
    const g = groupIds(ids, V);
    expect(g.offsets[g.unique.length]).toBe(500);
    expect([...g.rowList].sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    for (let k = 0; k < g.unique.length; k++) {
      if (k > 0) expect(g.unique[k]).toBeGreaterThan(g.unique[k - 1]);
      for (let j = g.offsets[k]; j < g.offsets[k + 1]; j++) expect(ids[g.rowList[j]]).toBe(g.unique[k]);
    }
  });
  it('names the bad id, its row and the valid range', () => {
    expect(() => groupIds([0, 3, 9], 9, 'input_ids')).toThrow(/input_ids\[2\] = 9 is not a row of the table \(valid ids are integers 0\.\.8\)/);
    expect(() => checkIds('x', [0, -1], 4)).toThrow(/ids\[1\] = -1/);
    expect(() => checkIds('x', [0.5], 4)).toThrow(/ids\[0\] = 0.5/);
    expect(() => checkIds('x', [NaN], 4)).toThrow(/ids\[0\] = NaN/);
  });
});
