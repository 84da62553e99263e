// The shifted-identity kernel vs its float64 reference: the Y-Tuning concat/split matrices (S = [I_T; 0],
// e_T), square and wide shapes, a grid folded past 65535 workgroups' worth of x, recorded without any submit.
import { describe, expect, it } from 'vitest';
import { shiftedEye as refShiftedEye } from '../../reference/shifted-eye';
import { withErrorScopes } from '../../src/gpu/engine';
import { shiftedEye } from '../../src/kernels/shifted-eye';
import { expectClose } from '../helpers/close';
import { testEngine, upload } from '../helpers/gpu';
import { randn } from '../helpers/rng';

describe('shifted-eye kernel', () => {
  const shapes: [number, number, number][] = [
    [6, 5, 0], // S for T = 5
    [6, 1, 5], // e_T for T = 5
    [1, 1, 0],
    [4, 4, 0],
    [3, 7, 1], // wide: only c + 1 < 3 hits
    [5, 2, 9], // offset beyond the rows: all zeros
    [129, 128, 0],
  ];
  for (const [rows, cols, offset] of shapes) {
    it(`(${rows}, ${cols}) offset ${offset} overwrites garbage with the reference`, async () => {
      const e = await testEngine();
      await withErrorScopes(e.device, async () => {
        const y = upload(e, randn(rows * cols, rows + cols), [rows, cols], 'y');
        e.submit();
        const submits = e.submitCount;
        shiftedEye(e, y, { rows, cols, offset });
        expect(e.submitCount, 'recording submits nothing').toBe(submits);
        expectClose(await y.read(), refShiftedEye(rows, cols, offset), 0, 0, 'shifted eye');
        y.release();
      });
    });
  }

  it('a large matrix (grid folded to 2-D) and clear errors for bad arguments', async () => {
    const e = await testEngine();
    await withErrorScopes(e.device, async () => {
      const rows = 4100;
      const cols = 4097;
      const y = e.tensor([rows, cols], 'big');
      shiftedEye(e, y, { rows, cols, offset: 3 });
      const got = await y.read();
      const ref = refShiftedEye(rows, cols, 3);
      let ones = 0;
      for (let i = 0; i < got.length; i++) {
        if (got[i] !== ref[i]) throw new Error(`element ${i}: got ${got[i]}, expected ${ref[i]}`);
        ones += got[i];
      }
      expect(ones).toBe(rows - 3);
      expect(() => shiftedEye(e, y, { rows, cols: 4096, offset: 0 })).toThrow(/"big" has .* needs/);
      expect(() => shiftedEye(e, y, { rows, cols, offset: -1 })).toThrow(/offset must be a non-negative integer/);
      expect(() => shiftedEye(e, y, { rows: 0, cols, offset: 0 })).toThrow(/rows must be a positive integer/);
      y.release();
    });
  });
});
