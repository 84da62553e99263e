// A smaller, stratified, seeded sample of a dataset ("try it on 500 examples first" — training on a CPU adapter
// is slow). Design decision: it is splitDataset's dev half at fraction max/N, so the sample keeps every class's
// share as closely as integers allow, keeps the label list (and so the label ids) unchanged, and is reproducible.
// The one stratified sampler of the program: the train step's sample sizes and the demo's first-run subset.
import { splitDataset, type Dataset } from '../data';

/** At most `max` examples of `ds` (all of them when max is 0 or at least the dataset's size). */
export function sampleDataset(ds: Dataset, max: number, seed: number): Dataset {
  if (!Number.isInteger(max) || max < 0) throw new Error(`sample size must be a non-negative integer (0 = all examples), got ${max}`);
  const n = ds.examples.length;
  if (max === 0 || max >= n) return ds;
  if (max < ds.labels.length) {
    throw new Error(`a sample of ${max} examples cannot hold all ${ds.labels.length} labels: use at least ${ds.labels.length} (or 0 for all ${n}).`);
  }
  // The sample's rows still come from the same file: its skipped-row report stays with it.
  return { ...splitDataset(ds, { devFraction: max / n, seed }).dev, skipped: ds.skipped };
}
