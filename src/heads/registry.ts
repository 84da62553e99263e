// The head kinds: one entry per kind (./kinds/*.ts) with its build, training defaults, file codec and ONNX graph,
// read by the studio (src/store, src/ui), the CLI, ./serialize.ts and src/export. Design decision: the list of
// kinds exists only here — `HeadKind` is derived from it and `Head.kind` is typed by it — so a new kind is one
// new entry, and every consumer (picker, --head, import, export) knows it without a switch of its own.
import type { GpuEngine } from '../gpu/engine';
import type { Head } from './head';
import type { HeadContext, HeadKindEntry, TrainDefaults } from './kind-entry';
import { finetuneEntry } from './kinds/finetune';
import { labelEntry } from './kinds/label';
import { linearEntry } from './kinds/linear';
import { labelAttnPrefixEntry, labelAttnPromptEntry } from './kinds/ltuning';
import { ltuningPrefixEntry, ltuningPromptEntry, prefixTuningEntry, promptTuningEntry } from './kinds/ltuning-encoder';
import { ytuningEntry } from './kinds/ytuning';
import { zeroShotEntry } from './kinds/zero-shot';

export type { HeadContext, HeadInput, HeadKindEntry, LoadContext, TrainDefaults } from './kind-entry';

/** Every kind, in the order the studio's picker and the CLI's help list them (the default first). */
const ENTRIES = [
  ytuningEntry,
  ltuningPrefixEntry,
  ltuningPromptEntry,
  prefixTuningEntry,
  promptTuningEntry,
  labelAttnPrefixEntry,
  labelAttnPromptEntry,
  linearEntry,
  labelEntry,
  finetuneEntry,
  zeroShotEntry,
] as const;

export type HeadKind = (typeof ENTRIES)[number]['kind'];

export const HEAD_KINDS: readonly HeadKind[] = ENTRIES.map((x) => x.kind);

const BY_KIND = new Map<string, HeadKindEntry<HeadKind>>(ENTRIES.map((x) => [x.kind, x]));

export function isHeadKind(x: unknown): x is HeadKind {
  return typeof x === 'string' && BY_KIND.has(x);
}

/** The entry of `kind`; throws for a name that is not a kind. */
export function headEntry(kind: string): HeadKindEntry<HeadKind> {
  const entry = BY_KIND.get(kind);
  if (!entry) throw new Error(`unknown head kind "${kind}" (known: ${HEAD_KINDS.join(', ')})`);
  return entry;
}

/** A fresh head of `kind` for the encoder width, labels and label-text features in `ctx`. */
export function buildHead(e: GpuEngine, kind: HeadKind, ctx: HeadContext): Head {
  return headEntry(kind).build(e, ctx);
}

export function headTrainDefaults(kind: HeadKind): TrainDefaults {
  return headEntry(kind).trainDefaults;
}
