// Residual add in float64: y = a + b; backward dA = dY, dB = dY; accumulate acc += x.
export function addForward(a: Float64Array, b: Float64Array): Float64Array {
  if (a.length !== b.length) throw new Error('add: size mismatch');
  const y = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) y[i] = a[i] + b[i];
  return y;
}

export function addBackward(dY: Float64Array): { dA: Float64Array; dB: Float64Array } {
  return { dA: Float64Array.from(dY), dB: Float64Array.from(dY) };
}

export function addAccumulate(acc: Float64Array, x: Float64Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] += x[i];
}
