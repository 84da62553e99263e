// Dispatch-size helpers shared by the kernels. Design decision: 1-D elementwise kernels fold a large count into
// a 2-D grid (x <= 65535 groups) and recover the flat index as gid.x + gid.y * nwg.x * WG, so any n fits.
import { groups } from '../gpu/kernel';

const MAX_X = 65535;

/** Workgroups for n elementwise items with workgroup size wg: [x, y] with x*y*wg >= n. */
export function grid1d(n: number, wg: number): [number, number] {
  const total = groups(n, wg);
  if (total <= MAX_X) return [total, 1];
  const y = Math.ceil(total / MAX_X);
  return [Math.ceil(total / y), y];
}
