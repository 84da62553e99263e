// Elementwise tolerance check |actual - expected| <= atol + rtol*|expected|, with a message that names the worst
// element, so a failing kernel test says where and by how much.
import { expect } from 'vitest';

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what = 'value'): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  let bad = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const tol = atol + rtol * Math.abs(e);
    const err = Math.abs(a - e);
    if (!(err <= tol)) {
      bad++;
      const excess = Number.isNaN(err) ? Infinity : err - tol;
      if (worst < 0 || excess > worstExcess) {
        worst = i;
        worstExcess = excess;
      }
    }
  }
  if (bad > 0) {
    expect.fail(
      `${what}: ${bad}/${expected.length} elements out of tolerance (atol ${atol}, rtol ${rtol}); ` +
        `worst at [${worst}]: got ${actual[worst]}, expected ${expected[worst]}`,
    );
  }
}
