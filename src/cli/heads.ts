// Builds a head by name for the CLI from what the encoder and dataset say (width, labels, pairs, label seeds).
// Design decision: the one place that maps user-facing head names to classes, so the studio can reuse it.
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { LabelTuningHead } from '../heads/label-tuning';
import { LinearHead } from '../heads/linear';
import { YTuningHead } from '../heads/ytuning';
import { ZeroShotHead } from '../heads/zero-shot';

export const HEAD_KINDS = ['ytuning', 'linear', 'label', 'zeroshot'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];

export interface HeadContext {
  C: number;
  labels: number;
  /** Pairs encoded side by side (the encoder has no pair input). */
  pair: boolean;
  /** Pooled label-text vectors, one per label. */
  seeds: Float32Array[];
  seed: number;
}

export function buildHead(e: GpuEngine, kind: HeadKind, ctx: HeadContext): Head {
  const seeds = new Float32Array(ctx.labels * ctx.C);
  ctx.seeds.forEach((s, l) => seeds.set(s, l * ctx.C));
  // Dot products of pooled vectors are small for L2-normalised encoders (USE-lite: cosines in [-1, 1]): scale
  // the logits to a softmax temperature of 1/20 relative to the seeds' squared norm.
  const meanSq = ctx.seeds.reduce((a, s) => a + s.reduce((b, x) => b + x * x, 0), 0) / Math.max(1, ctx.seeds.length);
  const scale = 20 / Math.max(meanSq, 1e-6);
  switch (kind) {
    case 'ytuning':
      return new YTuningHead(e, { C: ctx.C, L: ctx.labels, labelSeeds: seeds, seed: ctx.seed });
    case 'linear':
      return new LinearHead(e, { C: ctx.C, labels: ctx.labels, pair: ctx.pair });
    case 'label':
      return new LabelTuningHead(e, { C: ctx.C, labels: ctx.labels, seeds, scale });
    case 'zeroshot':
      return new ZeroShotHead(e, { C: ctx.C, labels: ctx.labels, seeds, scale: 20 });
  }
}
