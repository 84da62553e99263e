// Learning-rate schedules: linear warmup, then constant, linear or cosine decay to `minFactor` x the peak.
// Design decision: a pure function of the 0-based step, so a resumed or replayed run gets identical rates.

export type DecayKind = 'constant' | 'linear' | 'cosine';

export interface ScheduleOptions {
  /** Peak learning rate. */
  lr: number;
  /** Total optimizer steps of the run. */
  totalSteps: number;
  /** Warmup steps (linear from lr/warmup to lr); default 0. */
  warmupSteps?: number;
  decay?: DecayKind;
  /** Final rate as a fraction of lr (default 0). */
  minFactor?: number;
}

export function learningRate(step: number, o: ScheduleOptions): number {
  const warmup = o.warmupSteps ?? 0;
  const min = o.minFactor ?? 0;
  if (!(o.lr > 0) || !Number.isFinite(o.lr)) throw new Error(`learning rate must be a positive number, got ${o.lr}`);
  if (!Number.isInteger(o.totalSteps) || o.totalSteps < 1) throw new Error(`totalSteps must be a positive integer, got ${o.totalSteps}`);
  if (step < warmup) return (o.lr * (step + 1)) / warmup;
  const decaySteps = Math.max(1, o.totalSteps - warmup);
  const t = Math.min(1, (step - warmup) / decaySteps);
  switch (o.decay ?? 'linear') {
    case 'constant':
      return o.lr;
    case 'linear':
      return o.lr * (1 - (1 - min) * t);
    case 'cosine':
      return o.lr * (min + (1 - min) * 0.5 * (1 + Math.cos(Math.PI * t)));
  }
}
