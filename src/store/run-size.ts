// The sizing rule for a first run on a slow adapter: from a measured training step and a measured encode rate,
// the train sample, dev sample and epochs that encode AND train in about a minute. Pure: the studio applies it to
// the untouched default demo before its first run (./default-sizing.ts) and tests check it with numbers.
// Design decisions: epochs are capped at 4 first (the best dev epoch of these heads is usually 1-4, DESIGN.md §1),
// the dev sample gets at most a quarter of the time (and at most 200 examples: what the charts need), and only
// then is the train sample cut, because fewer examples cost accuracy more than fewer epochs; evaluation is costed
// as estimate.ts does (a third of a training step per example); sizes are rounded down to round numbers and never
// below 10 examples per label. The caller may measure the step at a shorter Tmax than the full run's
// (`fullStepSeconds` then costs the full run).

export interface SizeInputs {
  /** Measured seconds of one training step of `batchSize` examples. */
  stepSeconds: number;
  /** Measured seconds to encode one text (0 when every text is already in the feature cache). */
  encodeSecondsPerText: number;
  batchSize: number;
  epochs: number;
  trainSize: number;
  devSize: number;
  labels: number;
  /** The target, seconds (default 60). */
  seconds?: number;
  /** Seconds of a step of the FULL run when it differs from `stepSeconds` (measured at a shorter Tmax). */
  fullStepSeconds?: number;
}

export interface SizeProposal {
  /** Stratified sample sizes for the form (0 = all). */
  maxTrain: number;
  maxDev: number;
  epochs: number;
  /** The proposed run's estimated seconds (encode + train + dev evaluations). */
  seconds: number;
  /** The full-size run's estimated seconds, same costing. */
  fullSeconds: number;
}

export const MAX_PROPOSED_EPOCHS = 4;
export const MAX_PROPOSED_DEV = 200;

/** Estimated seconds of a run on `n` train and `dev` dev examples for `epochs` epochs (encode included). */
export function runSeconds(i: SizeInputs, n: number, dev: number, epochs: number): number {
  const B = i.batchSize;
  const evalBatch = Math.max(B, 64);
  const evalSeconds = (Math.ceil(dev / evalBatch) * evalBatch * i.stepSeconds) / (3 * B);
  return (n + dev) * i.encodeSecondsPerText + epochs * (Math.ceil(n / B) * i.stepSeconds + evalSeconds);
}

/** The proposal (see the file header), or null when the full run already takes at most 1.5x the target. */
export function proposeRunSize(i: SizeInputs): SizeProposal | null {
  const target = i.seconds ?? 60;
  if (!(i.stepSeconds > 0) || !(i.encodeSecondsPerText >= 0) || !(i.batchSize > 0) || !(i.epochs > 0)) return null;
  const fullSeconds = runSeconds({ ...i, stepSeconds: i.fullStepSeconds ?? i.stepSeconds }, i.trainSize, i.devSize, i.epochs);
  if (fullSeconds <= target * 1.5) return null;
  const epochs = Math.min(i.epochs, MAX_PROPOSED_EPOCHS);
  const roundDown = (n: number) => Math.floor(n / (n >= 1000 ? 500 : n >= 200 ? 50 : 10)) * (n >= 1000 ? 500 : n >= 200 ? 50 : 10);
  const perDev = i.encodeSecondsPerText + (epochs * i.stepSeconds) / (3 * i.batchSize);
  const dev = Math.min(i.devSize, Math.max(i.labels * 10, Math.min(MAX_PROPOSED_DEV, roundDown(Math.floor((target / 4) / perDev)))));
  const fixed = runSeconds(i, 0, dev, epochs);
  const perExample = i.encodeSecondsPerText + (epochs * i.stepSeconds) / i.batchSize;
  const fits = Math.max(0, Math.floor((target - fixed) / perExample));
  const round = fits >= 1000 ? 500 : fits >= 200 ? 50 : 10;
  const floor = i.labels * 10;
  let maxTrain = Math.min(i.trainSize, Math.max(floor, roundDown(fits)));
  // The linear cost above ignores the last, partial batch of each epoch: step down until the whole run fits.
  while (maxTrain - round >= floor && runSeconds(i, maxTrain, dev, epochs) > target) maxTrain -= round;
  return {
    maxTrain: maxTrain >= i.trainSize ? 0 : maxTrain,
    maxDev: dev >= i.devSize ? 0 : dev,
    epochs,
    seconds: runSeconds(i, maxTrain, dev, epochs),
    fullSeconds,
  };
}
