// Builds a head by name for the CLI from what the encoder and dataset say (width, labels, pairs, label seeds).
// Design decision: the one place that maps user-facing head names to classes, so the studio can reuse it.
import type { EncodedExample } from '../encoder/types';
import type { GpuEngine } from '../gpu/engine';
import type { Head } from '../heads/head';
import { LabelTuningHead } from '../heads/label-tuning';
import { LinearHead } from '../heads/linear';
import { LTuningPrefixHead } from '../heads/ltuning-prefix';
import { LTuningPromptHead } from '../heads/ltuning-prompt';
import { YTuningHead } from '../heads/ytuning';
import { ZeroShotHead } from '../heads/zero-shot';

export const HEAD_KINDS = ['ytuning', 'ltuning-prefix', 'ltuning-prompt', 'linear', 'label', 'zeroshot'] as const;
export type HeadKind = (typeof HEAD_KINDS)[number];

/** Training defaults that differ by head: L-Tuning trains match/no-match pairs; convex probes take a larger lr. */
export function headTrainDefaults(kind: HeadKind): { lr: number; objective: 'softmax' | 'match' } {
  switch (kind) {
    case 'ltuning-prefix':
    case 'ltuning-prompt':
      return { lr: 1e-3, objective: 'match' };
    case 'linear':
    case 'label':
      return { lr: 1e-2, objective: 'softmax' };
    default:
      return { lr: 1e-3, objective: 'softmax' };
  }
}

export interface HeadContext {
  C: number;
  labels: number;
  /** Pairs encoded side by side (the encoder has no pair input). */
  pair: boolean;
  /** The label texts through the frozen encoder, one per label: pooled seeds and token states. */
  labelFeatures: EncodedExample[];
  seed: number;
}

export function buildHead(e: GpuEngine, kind: HeadKind, ctx: HeadContext): Head {
  const seedList = ctx.labelFeatures.map((f) => f.pooled);
  const seeds = new Float32Array(ctx.labels * ctx.C);
  seedList.forEach((s, l) => seeds.set(s, l * ctx.C));
  // Dot products of pooled vectors are small for L2-normalised encoders (USE-lite: cosines in [-1, 1]): scale
  // the logits to a softmax temperature of 1/20 relative to the seeds' squared norm.
  const meanSq = seedList.reduce((a, s) => a + s.reduce((b, x) => b + x * x, 0), 0) / Math.max(1, seedList.length);
  const scale = 20 / Math.max(meanSq, 1e-6);
  switch (kind) {
    case 'ytuning':
      return new YTuningHead(e, { C: ctx.C, L: ctx.labels, labelSeeds: seeds, seed: ctx.seed, pair: ctx.pair });
    case 'ltuning-prefix': {
      // Label token states, zero-padded to the longest label text, with their mask.
      const Tl = Math.max(1, ...ctx.labelFeatures.map((f) => f.length));
      const labelTokens = new Float32Array(ctx.labels * Tl * ctx.C);
      const labelMask = new Float32Array(ctx.labels * Tl);
      ctx.labelFeatures.forEach((f, l) => {
        labelTokens.set(f.tokens.subarray(0, f.length * ctx.C), l * Tl * ctx.C);
        labelMask.fill(1, l * Tl, l * Tl + f.length);
      });
      return new LTuningPrefixHead(e, { C: ctx.C, L: ctx.labels, Tl, labelTokens, labelMask, seed: ctx.seed });
    }
    case 'ltuning-prompt':
      return new LTuningPromptHead(e, { C: ctx.C, L: ctx.labels, labelSeeds: seeds, seed: ctx.seed });
    case 'linear':
      return new LinearHead(e, { C: ctx.C, labels: ctx.labels, pair: ctx.pair });
    case 'label':
      return new LabelTuningHead(e, { C: ctx.C, labels: ctx.labels, seeds, scale });
    case 'zeroshot':
      return new ZeroShotHead(e, { C: ctx.C, labels: ctx.labels, seeds, scale: 20 });
  }
}
