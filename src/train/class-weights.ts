// Class weights for imbalanced data: parsed from `auto` or `name=w,...` (CLI --class-weights, the studio's
// Train card) and turned into loss weights. Design decision: 'auto' is inverse frequency normalised like
// sklearn's class_weight='balanced' — single-label: w_k = n / (L * count_k); multi-label: each label is its own
// binary problem, so a positive of label k weighs n / (2 * pos_k) and a negative n / (2 * neg_k). Hand weights
// multiply a label's positives (single-label: its rows); labels not named keep weight 1.

export type ClassWeightSpec = 'auto' | Record<string, number>;

/** Parse "auto" or "a=2,b=0.5"; every named label must exist; weights must be finite and > 0. */
export function parseClassWeights(spec: string, labels: readonly string[]): ClassWeightSpec {
  const s = spec.trim();
  if (s === 'auto') return 'auto';
  const out: Record<string, number> = {};
  for (const part of s.split(',')) {
    const eq = part.lastIndexOf('=');
    const name = part.slice(0, eq).trim();
    const w = Number(part.slice(eq + 1));
    if (eq < 1 || part.slice(eq + 1).trim() === '') throw new Error(`class weights: "${part}" is not label=weight (e.g. "auto", or "spam=3,ham=1")`);
    if (!labels.includes(name)) throw new Error(`class weights: no label "${name}" (labels: ${labels.slice(0, 20).join(', ')})`);
    if (!(Number.isFinite(w) && w > 0)) throw new Error(`class weights: the weight of "${name}" must be a positive number, got "${part.slice(eq + 1).trim()}"`);
    if (name in out) throw new Error(`class weights: "${name}" is given twice`);
    out[name] = w;
  }
  return out;
}

/** Per-label weights (L): softmax class weights, or multi-label positive weights. */
export function positiveWeights(spec: ClassWeightSpec, labels: readonly string[], counts: readonly number[], n: number, multiLabel: boolean): number[] {
  const L = labels.length;
  if (spec !== 'auto') return labels.map((l) => spec[l] ?? 1);
  if (multiLabel) return counts.map((c) => (c > 0 ? n / (2 * c) : 1));
  return counts.map((c) => (c > 0 ? n / (L * c) : 1));
}

/** Multi-label negative weights (L): 'auto' n / (2 * neg_k); hand weights leave negatives at 1. */
export function negativeWeights(spec: ClassWeightSpec, counts: readonly number[], n: number): number[] {
  if (spec !== 'auto') return counts.map(() => 1);
  return counts.map((c) => (n - c > 0 ? n / (2 * (n - c)) : 1));
}

/** The weights as the trainer takes them (TrainOptions.classWeights). */
export function classWeightsFor(spec: ClassWeightSpec | null, labels: readonly string[], counts: readonly number[], n: number, multiLabel: boolean): { positive: number[]; negative: number[] } | null {
  if (!spec) return null;
  return { positive: positiveWeights(spec, labels, counts, n, multiLabel), negative: multiLabel ? negativeWeights(spec, counts, n) : labels.map(() => 1) };
}
