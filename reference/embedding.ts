// Embedding gather in float64 (the oracle for src/kernels/embedding.wgsl).
// forward:  out[r, c] = scale * table[ids[r], c]  (+ out[r, c] when an `acc` is given)
// backward: dTable[u, c] = scale * sum_{r : ids[r] = u} dOut[r, c]   (a fresh (V, E) gradient; the GPU adds it)
// Written as the plain loop over rows, independently of the CSR grouping the WGSL backward uses.

export interface EmbeddingShape {
  V: number;
  E: number;
  scale?: number;
}

function checkIds(ids: ArrayLike<number>, V: number): void {
  for (let r = 0; r < ids.length; r++) {
    if (!Number.isInteger(ids[r]) || ids[r] < 0 || ids[r] >= V) throw new Error(`embedding: ids[${r}] = ${ids[r]} out of range [0, ${V})`);
  }
}

export function embeddingForward(
  table: Float64Array, // (V, E)
  ids: ArrayLike<number>, // (rows)
  shape: EmbeddingShape,
  acc: Float64Array | null = null, // (rows, E): added to
): Float64Array {
  const { V, E } = shape;
  const scale = shape.scale ?? 1;
  if (table.length !== V * E) throw new Error('embedding: table size mismatch');
  checkIds(ids, V);
  const out = acc ? Float64Array.from(acc) : new Float64Array(ids.length * E); // (rows, E)
  if (out.length !== ids.length * E) throw new Error('embedding: acc size mismatch');
  for (let r = 0; r < ids.length; r++) for (let c = 0; c < E; c++) out[r * E + c] += scale * table[ids[r] * E + c];
  return out;
}

export function embeddingBackward(
  ids: ArrayLike<number>, // (rows)
  dOut: Float64Array, // (rows, E)
  shape: EmbeddingShape,
): Float64Array {
  const { V, E } = shape;
  const scale = shape.scale ?? 1;
  if (dOut.length !== ids.length * E) throw new Error('embedding: dOut size mismatch');
  checkIds(ids, V);
  const dTable = new Float64Array(V * E); // (V, E)
  for (let r = 0; r < ids.length; r++) for (let c = 0; c < E; c++) dTable[ids[r] * E + c] += scale * dOut[r * E + c];
  return dTable;
}
