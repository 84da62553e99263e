// Reproduces the main table of docs/RESULTS.md (RESULTS version 2, issue 10): trains every head over cached
// features of the default encoder on a benchmark set in ../shared/data and evaluates each on the set's held-out
// evaluation file, appending one JSON line per (set, head, seed) to docs/results/results.jsonl; `--render` turns
// those lines into the page (./results-render.ts). Design decision: model selection never sees the evaluation
// file. Each set's training file gives a fixed (seed 0) stratified 10% selection split; every trained head gets
// the SAME budget (./results-protocol.ts MAIN_BUDGET: max epochs, patience, batch) with early stopping on that
// split, the probe's L2 is chosen there too, and the evaluation file is scored once with the kept checkpoint. One
// process per set encodes once (through the on-disk feature cache) and trains every head and seed over it.
//
//   npm run results -- --set trec --seed 0,1,2,3,4 [--heads ytuning,linear]
//   npm run results -- --render
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Dataset } from '../src/data';
import { Encoder } from '../src/encoder/encoder';
import { NodeCacheStore } from '../src/encoder/cache-store-node';
import { cacheKey } from '../src/encoder/cache-key';
import { FeatureCache } from '../src/encoder/feature-cache';
import { loadModelSourceNode } from '../src/encoder/sources-node';
import type { EncodedExample } from '../src/encoder/types';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import type { Head } from '../src/heads/head';
import { buildHead, HEAD_KINDS, headEntry, headTrainDefaults, type HeadKind } from '../src/heads/registry';
import { YTuningHead } from '../src/heads/ytuning';
import { Trainer, type TrainResult } from '../src/train/trainer';
import type { TrainExample } from '../src/train/batches';
import { fitProbeL2 } from './results-probe';
import { L2_GRID, MAIN_BUDGET, predictedCounts, type L2Trial } from './results-protocol';
import { latestRows, renderCommands, renderCoverage, renderFindings, renderGoals, renderSetTable, type RenderRow } from './results-render';
import { correctnessString } from './results-stats';
import { argmaxRows, commitId, encoderInputs, readSet, root, SETS, sideBySidePairs } from './results-sets';

const outFile = join(root, 'docs/results/results.jsonl');

/** The heads of the main table (over cached features), in the page's order. */
export const MAIN_HEADS: readonly HeadKind[] = ['ytuning', 'label-attn-prefix', 'label-attn-prompt', 'linear', 'label', 'zeroshot'];

export interface ResultRow extends RenderRow {
  /** 2 = RESULTS version 2 (equal budget, chosen probe L2); earlier rows were never committed. */
  protocol: 2;
  head: HeadKind;
  /** What the head trained on (the main table: cached features). */
  input: 'features' | 'token-ids';
  /** Per evaluation example '1' correct / '0' wrong (./results-stats.ts: paired bootstrap vs the probe). */
  correct: string;
  /** How many evaluation examples the head gave each label (one non-zero count = a constant predictor). */
  predicted: number[];
  /** The evaluation set's count of each label. */
  evalLabelCounts: number[];
  selectionAccuracy: number | null;
  /** Max epochs of the budget (0 = not trained: zeroshot). */
  epochs: number;
  patience: number;
  lr: number;
  objective: string;
  /** AdamW decoupled weight decay this row trained with (the probe: the value chosen on the selection split). */
  weightDecay: number;
  /** The probe only: every candidate of the L2 grid on the selection split. */
  l2Grid?: L2Trial[];
  /** Y-Tuning only: its dropout probability. */
  dropout?: number;
  stoppedBy: string;
  /** Seconds to encode train + selection + eval texts in this process (cache hits are cheap). */
  encodeSeconds: number;
  cachedTexts: number;
  adapter: string;
  ep: string;
}


async function runSet(setName: string, seeds: number[], heads: HeadKind[]): Promise<void> {
  const spec = SETS[setName];
  if (!spec) throw new Error(`unknown --set "${setName}"; choose one of ${Object.keys(SETS).join(', ')}`);
  const { train, selection, evaluation } = readSet(spec);
  const encoder = await Encoder.load(await loadModelSourceNode({ kind: 'default' }), { runtime: 'node', epPolicy: 'auto' });
  const cache = await FeatureCache.open({ store: new NodeCacheStore(), budgetBytes: 8 * 2 ** 30 });
  let cachedTexts = 0;
  const t0 = performance.now();
  const encode = async (ds: Dataset): Promise<EncodedExample[]> =>
    encoder.encode(
      encoderInputs(ds),
      {
        cache,
        cacheKey: (i) => cacheKey({ modelHash: encoder.info.hash, tmax: encoder.tmax, text: i.text, textPair: i.textPair }),
        onProgress: (p) => {
          if (p.done === p.total) cachedTexts += p.cached;
        },
      },
    );
  const [fTrain, fSel, fEval] = [await encode(train), await encode(selection), await encode(evaluation)];
  const labelTexts = train.labels.map((l) => spec.labelTexts[l] ?? l);
  const labelFeatures = await encoder.encode(labelTexts.map((text) => ({ text })));
  const encodeSeconds = (performance.now() - t0) / 1000;
  await cache.close();
  const toEx = (ds: Dataset, f: EncodedExample[]): TrainExample[] => ds.examples.map((x, i) => ({ features: f[i], label: x.label }));
  const exTrain = toEx(train, fTrain);
  const exSel = toEx(selection, fSel);
  const exEval = toEx(evaluation, fEval);
  const L = train.labels.length;
  const evalLabelCounts = predictedCounts(exEval.map((x) => x.label), L);
  const pair = sideBySidePairs(train, encoder.info);
  const gpu = await acquireGpu();
  const engine = new GpuEngine(gpu);
  mkdirSync(dirname(outFile), { recursive: true });
  const commit = commitId();
  try {
    for (const seed of seeds) {
      for (const kind of heads) {
        const defaults = headTrainDefaults(kind);
        // One budget for every trained head (MAIN_BUDGET); each keeps its own learning rate and objective.
        const options = { ...defaults, epochs: MAIN_BUDGET.maxEpochs, patience: MAIN_BUDGET.patience, batchSize: MAIN_BUDGET.batchSize, seed, tmax: spec.headTmax ?? encoder.tmax };
        const build = () => buildHead(engine, kind, { C: encoder.info.hiddenSize, labels: L, pair, labelFeatures, seed });
        const t1 = performance.now();
        let head: Head;
        let trainer: Trainer;
        let result: TrainResult | null = null;
        let l2Grid: L2Trial[] | undefined;
        if (kind === 'linear') {
          // The probe's L2 (AdamW decoupled decay) is chosen on the selection split: keep only the chosen candidate.
          ({ head, trainer, result, l2Grid } = await fitProbeL2(engine, build, options, exTrain, exSel));
        } else {
          head = build();
          trainer = new Trainer(engine, head, options);
          result = head.params.length ? await trainer.fit(exTrain, exSel) : null;
        }
        const trainSeconds = (performance.now() - t1) / 1000;
        const final = await trainer.evaluate(exEval);
        const predicted = argmaxRows(final.logits, exEval.length, L);
        const row: ResultRow = {
          protocol: 2,
          set: setName,
          head: kind,
          input: headEntry(kind).input,
          correct: correctnessString(predicted, exEval.map((x) => x.label)),
          predicted: predictedCounts(predicted, L),
          evalLabelCounts,
          seed,
          accuracy: final.metrics.accuracy,
          macroF1: final.metrics.macroF1,
          selectionAccuracy: result?.best?.metrics.accuracy ?? null,
          bestEpoch: result?.best ? result.best.epoch + 1 : null,
          epochs: head.params.length ? MAIN_BUDGET.maxEpochs : 0,
          patience: MAIN_BUDGET.patience,
          lr: defaults.lr,
          objective: defaults.objective,
          weightDecay: trainer.options.weightDecay,
          ...(l2Grid ? { l2Grid } : {}),
          ...(head instanceof YTuningHead ? { dropout: head.config.dropout } : {}),
          stoppedBy: result?.stoppedBy ?? 'no-training',
          trainExamples: exTrain.length,
          selectionExamples: exSel.length,
          evalExamples: exEval.length,
          encodeSeconds,
          cachedTexts,
          trainSeconds,
          adapter: describeAdapter(gpu.report),
          ep: encoder.info.ep,
          commit,
          time: new Date().toISOString(),
        };
        appendFileSync(outFile, JSON.stringify(row) + '\n');
        console.log(
          `${new Date().toISOString().slice(11, 19)} ${setName} ${kind} seed ${seed}: ${(row.accuracy * 100).toFixed(2)}% (macro-F1 ${(row.macroF1 * 100).toFixed(2)}), best epoch ${row.bestEpoch}${l2Grid ? `, wd ${row.weightDecay}` : ''}, predicted ${row.predicted!.join('/')}, train ${trainSeconds.toFixed(1)} s`,
        );
        trainer.dispose();
        head.dispose();
      }
    }
  } finally {
    await encoder.dispose();
    engine.destroy();
    gpu.destroy();
  }
}


function render(): void {
  if (!existsSync(outFile)) throw new Error(`no results yet: ${outFile} is missing (run --set first)`);
  const all = readFileSync(outFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as ResultRow;
      } catch (e) {
        throw new Error(`${outFile} line ${i + 1} is not JSON (${(e as Error).message}); fix or remove that line`);
      }
    });
  const kept = latestRows(all);
  const setNames = Object.keys(SETS);
  const sets = setNames.filter((s) => kept.some((r) => r.set === s));
  const heads = MAIN_HEADS.filter((h) => kept.some((r) => r.head === h));
  const tables = sets.map((s) => renderSetTable(kept, s, SETS[s], heads)).join('\n\n');
  const encodeLines = sets.map((s) => {
    const r = kept.filter((x) => x.set === s);
    const first = r.reduce((a, b) => (a.time <= b.time ? a : b));
    return `- ${SETS[s].title}: ${first.trainExamples + first.selectionExamples + first.evalExamples} texts, ${first.encodeSeconds.toFixed(1)} s with ${first.cachedTexts} from the feature cache (${first.ep})`;
  });
  const dropouts = [...new Set(kept.filter((r) => r.head === 'ytuning').map((r) => r.dropout))];
  const tpl = readFileSync(join(root, 'docs/RESULTS.template.md'), 'utf8');
  const out = tpl
    .replace('{{COVERAGE}}', renderCoverage(kept, setNames, SETS, heads))
    .replace('{{TABLE}}', tables || '(no rows yet)')
    .replace('{{TIMINGS}}', renderCommands(kept, sets, SETS))
    .replace('{{GOALS}}', renderGoals(kept, setNames, SETS))
    .replace('{{FINDINGS}}', renderFindings(kept, sets, SETS, heads))
    .replace('{{ENCODE}}', encodeLines.join('\n'))
    .replace('{{ADAPTER}}', kept[0]?.adapter ?? 'unknown')
    .replace('{{DROPOUT}}', dropouts.map(String).join(', ') || '—')
    .replace('{{L2GRID}}', L2_GRID.join(', '))
    .replace('{{EPOCHS}}', String(MAIN_BUDGET.maxEpochs))
    .replace('{{PATIENCE}}', String(MAIN_BUDGET.patience))
    .replace('{{COMMITS}}', [...new Set(kept.map((r) => r.commit))].join(', '))
    .replace('{{ROWS}}', String(kept.length));
  writeFileSync(join(root, 'docs/RESULTS.md'), out);
  console.log(`wrote docs/RESULTS.md from ${kept.length} rows`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { set: { type: 'string' }, seed: { type: 'string', default: '0' }, heads: { type: 'string' }, render: { type: 'boolean', default: false } },
  });
  if (values.render) return render();
  if (!values.set) throw new Error('give --set NAME (or --render)');
  const heads = (values.heads ? values.heads.split(',') : [...MAIN_HEADS]) as HeadKind[];
  for (const h of heads) if (!HEAD_KINDS.includes(h)) throw new Error(`unknown head "${h}"; choose from ${HEAD_KINDS.join(', ')}`);
  // This runner trains on cached features only; the kinds that run the encoder on token ids (finetune, the
  // published L-Tuning and its prefix/prompt baselines) are measured with scripts/ltuning-check.ts for now.
  const tokenKinds = heads.filter((h) => headEntry(h).input === 'token-ids');
  if (values.heads && tokenKinds.length) throw new Error(`${tokenKinds.join(', ')} train on token ids through the WGSL encoder, which this runner does not do yet: use scripts/ltuning-check.ts`);
  heads.splice(0, heads.length, ...heads.filter((h) => headEntry(h).input === 'features'));
  const seeds = values.seed.split(',').map(Number);
  for (const x of seeds) if (!Number.isInteger(x) || x < 0) throw new Error(`--seed: "${values.seed}" is not a comma-separated list of non-negative integers`);
  for (const s of values.set.split(',')) await runSet(s, seeds, heads);
}

main().catch((err) => {
  console.error(`results: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
