// Global L2 gradient norm over a list of tensors and the clip scale, in float64 (torch.nn.utils.clip_grad_norm_
// semantics): norm = sqrt(sum over all tensors and elements of g^2); scale = min(1, maxNorm / (norm + 1e-6));
// maxNorm <= 0, Infinity or NaN means no clipping (scale 1).

export function globalGradNorm(grads: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return Math.sqrt(s);
}

export function clipEnabled(maxNorm: number): boolean {
  return maxNorm > 0 && Number.isFinite(maxNorm);
}

export function clipScale(norm: number, maxNorm: number): number {
  if (!clipEnabled(maxNorm)) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}
