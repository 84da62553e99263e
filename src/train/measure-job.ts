// How fast one training step of a head kind runs on this engine, before any text is encoded: the studio asks the
// trainer worker for it (a 'measure' request) to size the default run to the adapter (src/store/run-size.ts).
// Design decision: the step is timed on synthetic features of the run's real shape — B examples of T token rows
// of width C (seeded normal values; pairs get both sides) and L label seeds — because a step's cost depends on
// (B, T, C, L) and the head's kernels, never on the values; the real trainer and estimateRun time it, so the
// number is the one a run would measure, and the worker's pipelines are compiled once more for the real run.
import type { AdapterReport } from '../gpu/device';
import type { GpuEngine } from '../gpu/engine';
import type { EncodedExample } from '../encoder/types';
import { buildHead, headEntry, type HeadContext, type HeadKind } from '../heads/registry';
import { mulberry32 } from '../util/random';
import type { TrainExample } from './batches';
import { estimateRun } from './estimate';
import { Trainer, type TrainOptions } from './trainer';

export interface MeasureSpec {
  kind: HeadKind;
  /** Widths, labels, pairs, seed; `labelFeatures` may be empty (synthetic seeds of 4 token rows are used). */
  ctx: HeadContext;
  options: TrainOptions;
  /** The batch to time: B examples of T token rows each. */
  B: number;
  T: number;
  /** Timed steps after one untimed (default 2). */
  steps?: number;
}

export interface StepMeasure {
  /** Median seconds of one training step (forward, backward, AdamW) at (B, T). */
  stepSeconds: number;
  B: number;
  T: number;
  adapter: AdapterReport;
}

/** B synthetic examples of T rows of width C (standard normal values, seeded), labels cycling over L. */
export function syntheticExamples(B: number, T: number, C: number, labels: number, pair: boolean, seed = 1): TrainExample[] {
  const rnd = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const fill = (n: number) => Float32Array.from({ length: n }, normal);
  return Array.from({ length: B }, (_, i) => {
    const features: EncodedExample = { tokens: fill(T * C), length: T, pooled: fill(C) };
    if (pair) {
      features.segmentA = Math.max(1, T >> 1);
      features.pooledB = fill(C);
    }
    return { features, label: i % labels };
  });
}

/** Time a step of `spec.kind` at (B, T) on `e`; see the file header. Throws for kinds that train on token ids. */
export async function measureStepTime(e: GpuEngine, spec: MeasureSpec): Promise<StepMeasure> {
  const { kind, ctx, B, T } = spec;
  if (headEntry(kind).input !== 'features') throw new Error(`measure: the ${kind} head trains on token ids, not features; its run measures its own steps before it starts`);
  if (!(B >= 1 && T >= 1 && Number.isInteger(B) && Number.isInteger(T))) throw new Error(`measure: B and T must be positive integers (got B=${B}, T=${T})`);
  const labelFeatures = ctx.labelFeatures.length
    ? ctx.labelFeatures
    : syntheticExamples(ctx.labels, 4, ctx.C, ctx.labels, false, 7).map((x) => ({ tokens: x.features!.tokens, pooled: x.features!.pooled, length: 4 }));
  const head = buildHead(e, kind, { ...ctx, labelFeatures });
  try {
    const trainer = new Trainer(e, head, { ...spec.options, batchSize: B, tmax: Math.max(T, spec.options.tmax) });
    try {
      if (head.params.length === 0) return { stepSeconds: 0, B, T, adapter: e.gpu.report };
      const est = await estimateRun(e, trainer, syntheticExamples(B, T, ctx.C, ctx.labels, ctx.pair), 0, spec.steps ?? 2);
      return { stepSeconds: est.stepSeconds, B: est.B, T: est.T, adapter: e.gpu.report };
    } finally {
      trainer.dispose();
    }
  } finally {
    head.dispose();
  }
}
