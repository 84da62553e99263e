// The equal-budget comparison of docs/RESULTS.md: every head — the cached-feature heads AND the kinds that run
// the encoder in WGSL on token ids (full fine-tuning, L-Tuning, prefix/prompt tuning) — trained on the SAME small
// fixed training subset with the same token limit, so "% of full fine-tuning" compares like with like. Appends one
// JSON line per (set, head, seed) to docs/results/budget.jsonl; `--render` writes the page's equal-budget tables
// between their markers in docs/RESULTS.md and its template (results-budget-render.ts).
// Design decision: the budget is data, not time: N training examples (a fixed stratified subset of the set's
// training split, seed 0) and Tmax tokens for every head; the encoder that makes the cached features runs at the
// same Tmax, so a feature head and the fine-tuned encoder read exactly the same tokens of every text.
//
//   npm run results:budget -- --set sst2,trec --seed 0 [--heads linear,ytuning,finetune] [--train 1000] [--tmax 64]
//   npm run results:budget -- --render
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Dataset } from '../src/data';
import { Encoder } from '../src/encoder/encoder';
import { loadModelSourceNode } from '../src/encoder/sources-node';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import { buildHead, HEAD_KINDS, headEntry, headTrainDefaults, type HeadKind } from '../src/heads/registry';
import { readEncoderSpec } from '../src/model/onnx-reader';
import { tokenExamples, type PairMode } from '../src/train/token-examples';
import type { TrainExample } from '../src/train/batches';
import { Trainer } from '../src/train/trainer';
import { correctnessString } from './results-stats';
import { renderBudgetGoal, renderBudgetTables, replaceBudgetSection } from './results-budget-render';
import { argmaxRows, capSet as cap, commitId, featureExamples, readSet, root, SETS, sideBySidePairs } from './results-sets';

export const budgetFile = join(root, 'docs/results/budget.jsonl');

export interface BudgetRow {
  set: string;
  head: HeadKind;
  input: 'features' | 'token-ids';
  seed: number;
  accuracy: number;
  macroF1: number;
  /** Per evaluation example '1' correct / '0' wrong (paired bootstrap against other heads). */
  correct: string;
  selectionAccuracy: number | null;
  bestEpoch: number | null;
  epochs: number;
  stoppedBy: string;
  lr: number;
  batch: number;
  tmax: number;
  trainExamples: number;
  selectionExamples: number;
  evalExamples: number;
  trainableParams: number;
  trainSeconds: number;
  adapter: string;
  commit: string;
  time: string;
}

/** Epochs per kind at this budget: heads over cached features up to 10 (early stopping, patience 3: they are
 *  cheap, so they train to convergence); the kinds that run the encoder get --epochs (their cost is the budget). */
function epochsFor(kind: HeadKind, tokenEpochs: number): number {
  return headEntry(kind).input === 'token-ids' ? tokenEpochs : 10;
}

async function run(setName: string, seed: number, heads: HeadKind[], o: { train: number; tmax: number; evalLimit: number; epochs: number; batch: number; lr: Partial<Record<HeadKind, number>> }): Promise<void> {
  const spec = SETS[setName];
  if (!spec) throw new Error(`unknown --set "${setName}"; choose one of ${Object.keys(SETS).join(', ')}`);
  const sets = readSet(spec);
  const train = cap(sets.train, o.train);
  const selection = cap(sets.selection, Math.max(100, Math.round(o.train / 2)));
  const evaluation = cap(sets.evaluation, o.evalLimit);
  const files = await loadModelSourceNode({ kind: 'default' });
  const encoder = await Encoder.load(files, { runtime: 'node', epPolicy: 'auto', tmax: o.tmax });
  const hasPairs = train.examples.some((x) => x.textPair !== undefined);
  const pair = sideBySidePairs(train, encoder.info);
  const featureEx = (ds: Dataset) => featureExamples(encoder, ds);
  const needFeatures = heads.some((h) => headEntry(h).input === 'features' || headEntry(h).labelStates);
  const feats = needFeatures ? { train: await featureEx(train), sel: await featureEx(selection), evaluation: await featureEx(evaluation) } : null;
  const seeds = needFeatures ? await encoder.encode(train.labels.map((l) => ({ text: spec.labelTexts[l] ?? l }))) : [];
  const encoderSpec = heads.some((h) => headEntry(h).input === 'token-ids') ? readEncoderSpec(files.model) : undefined;
  const gpu = await acquireGpu();
  const engine = new GpuEngine(gpu);
  mkdirSync(dirname(budgetFile), { recursive: true });
  try {
    for (const kind of heads) {
      const entry = headEntry(kind);
      const joint = entry.pairs === 'joint';
      let ex: { train: TrainExample[]; sel: TrainExample[]; evaluation: TrainExample[] };
      if (entry.input === 'features') ex = feats!;
      else {
        const mode: PairMode = !hasPairs ? 'none' : joint || !pair ? 'pair-input' : 'side-by-side';
        const tok = (ds: Dataset) => tokenExamples(encoder.tokenizer, ds, o.tmax, mode);
        ex = { train: tok(train), sel: tok(selection), evaluation: tok(evaluation) };
      }
      const head = buildHead(engine, kind, { C: encoder.info.hiddenSize, labels: train.labels.length, pair: pair && !joint, labelFeatures: seeds, seed, encoderSpec });
      const epochs = epochsFor(kind, o.epochs);
      const defaults = headTrainDefaults(kind);
      const lr = o.lr[kind] ?? defaults.lr ?? 1e-3;
      const trainer = new Trainer(engine, head, { ...defaults, epochs, seed, tmax: o.tmax, patience: 3, batchSize: o.batch, lr });
      const t1 = performance.now();
      const result = head.params.length ? await trainer.fit(ex.train, ex.sel, { onEval: (r) => console.log(`  ${kind} epoch ${r.epoch + 1}: selection accuracy ${(r.metrics.accuracy * 100).toFixed(1)}%`) }) : null;
      const trainSeconds = (performance.now() - t1) / 1000;
      const final = await trainer.evaluate(ex.evaluation);
      const predicted = argmaxRows(final.logits, ex.evaluation.length, train.labels.length);
      const row: BudgetRow = {
        set: setName,
        head: kind,
        input: entry.input,
        seed,
        accuracy: final.metrics.accuracy,
        macroF1: final.metrics.macroF1,
        correct: correctnessString(predicted, ex.evaluation.map((x) => x.label)),
        selectionAccuracy: result?.best?.metrics.accuracy ?? null,
        bestEpoch: result?.best ? result.best.epoch + 1 : null,
        epochs,
        stoppedBy: result?.stoppedBy ?? 'no-training',
        lr,
        batch: o.batch,
        tmax: o.tmax,
        trainExamples: ex.train.length,
        selectionExamples: ex.sel.length,
        evalExamples: ex.evaluation.length,
        trainableParams: head.params.reduce((s, p) => s + p.value.size, 0),
        trainSeconds,
        adapter: describeAdapter(gpu.report),
        commit: commitId(),
        time: new Date().toISOString(),
      };
      appendFileSync(budgetFile, JSON.stringify(row) + '\n');
      console.log(`${new Date().toISOString().slice(11, 19)} ${setName} ${kind} seed ${seed}: ${(row.accuracy * 100).toFixed(2)}% (macro-F1 ${(row.macroF1 * 100).toFixed(2)}), best epoch ${row.bestEpoch}, train ${trainSeconds.toFixed(1)} s`);
      trainer.dispose();
      head.dispose();
    }
  } finally {
    await encoder.dispose();
    engine.destroy();
    gpu.destroy();
  }
}

/** Write the equal-budget tables and goal line between the budget markers of docs/RESULTS.md and its template. */
function render(): void {
  if (!existsSync(budgetFile)) throw new Error(`no equal-budget runs yet: ${budgetFile} is missing (run --set first)`);
  const rows = readFileSync(budgetFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as BudgetRow);
  const titles = Object.fromEntries(Object.entries(SETS).map(([k, v]) => [k, v.title]));
  const order = ['linear', 'label', 'ytuning', 'label-attn-prefix', 'label-attn-prompt', 'prompt-tuning', 'prefix-tuning', 'ltuning-prompt', 'ltuning-prefix', 'finetune'];
  const sets = Object.keys(SETS);
  const adapters = [...new Set(rows.map((r) => r.adapter))].join('; ');
  const commits = [...new Set(rows.map((r) => r.commit))].join(', ');
  const body = [
    `${rows.length} runs; adapter: ${adapters}; code at commit(s) ${commits}.`,
    '',
    renderBudgetTables(rows, sets, titles, order),
    'Goal of issue 9 (fine-tuning beats the probe by >= 2 points on at least 3 of the 5 sets), on the means:',
    '',
    renderBudgetGoal(rows, sets, titles),
  ].join('\n');
  for (const name of ['docs/RESULTS.md', 'docs/RESULTS.template.md']) {
    const p = join(root, name);
    writeFileSync(p, replaceBudgetSection(readFileSync(p, 'utf8'), body));
  }
  console.log(`wrote the equal-budget section of docs/RESULTS.md (and its template) from ${rows.length} rows`);
}


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      set: { type: 'string' },
      seed: { type: 'string', default: '0' },
      heads: { type: 'string', default: 'linear,ytuning,finetune' },
      train: { type: 'string', default: '1000' },
      tmax: { type: 'string', default: '64' },
      'eval-limit': { type: 'string', default: '1000' },
      epochs: { type: 'string', default: '3' },
      batch: { type: 'string', default: '16' },
      'finetune-lr': { type: 'string', default: '1e-4' },
      render: { type: 'boolean', default: false },
    },
  });
  if (values.render) return render();
  if (!values.set) throw new Error('give --set NAME[,NAME...]');
  const heads = values.heads.split(',') as HeadKind[];
  for (const h of heads) if (!HEAD_KINDS.includes(h)) throw new Error(`unknown head "${h}"; choose from ${HEAD_KINDS.join(', ')}`);
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
  const o = {
    train: int('train', values.train),
    tmax: int('tmax', values.tmax),
    evalLimit: int('eval-limit', values['eval-limit']),
    epochs: int('epochs', values.epochs),
    batch: int('batch', values.batch),
    lr: { finetune: Number(values['finetune-lr']) },
  };
  for (const s of values.set.split(',')) for (const seed of values.seed.split(',').map(Number)) await run(s, seed, heads, o);
}

if (process.argv[1]?.endsWith('results-budget.ts')) {
  main().catch((err) => {
    console.error(`results-budget: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
