// Shifted identity in float64 (oracle for src/kernels/shifted-eye.wgsl): Y[r, c] = 1 iff r == c + offset.

export function shiftedEye(rows: number, cols: number, offset: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let c = 0; c < cols; c++) if (c + offset < rows) y[(c + offset) * cols + c] = 1;
  return y;
}
