// Reproduces docs/RESULTS.md: trains every head on the benchmark sets in ../shared/data with the default encoder
// and evaluates each on the set's held-out evaluation file, appending one JSON line per (set, head, seed) to
// docs/results/results.jsonl; `--render` turns those lines into docs/RESULTS.md (mean and spread over seeds).
// Design decision: model selection never sees the evaluation file. Each set's training file gives a fixed
// (seed 0) stratified 10% selection split for early stopping; the reported number is on the evaluation file
// (SST-2/RTE/MRPC dev, TREC test, AG News test), scored once with the kept checkpoint. One process per
// (set, seed) encodes once (through the on-disk feature cache) and trains every head over the same features.
//
//   npx tsx --import ./scripts/raw-loader.mjs scripts/results.ts --set trec --seed 0 [--heads ytuning,linear]
//   npx tsx --import ./scripts/raw-loader.mjs scripts/results.ts --render
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
import { buildHead, HEAD_KINDS, headEntry, headTrainDefaults, type HeadKind } from '../src/heads/registry';
import { Trainer } from '../src/train/trainer';
import { correctnessString } from './results-stats';
import { argmaxRows, commitId, readSet, root, SETS } from './results-sets';
import type { TrainExample } from '../src/train/batches';

const outFile = join(root, 'docs/results/results.jsonl');

export interface ResultRow {
  set: string;
  head: HeadKind;
  /** Per evaluation example '1' correct / '0' wrong (scripts/results-stats.ts: paired bootstrap vs the probe). */
  correct?: string;
  /** What the head trained on; rows without it predate issue 10 (every kind then read cached features). */
  input?: 'features' | 'token-ids';
  seed: number;
  accuracy: number;
  macroF1: number;
  selectionAccuracy: number | null;
  bestEpoch: number | null;
  epochs: number;
  stoppedBy: string;
  trainExamples: number;
  selectionExamples: number;
  evalExamples: number;
  /** Seconds to encode train + selection + eval texts in this process (cache hits are cheap). */
  encodeSeconds: number;
  cachedTexts: number;
  trainSeconds: number;
  adapter: string;
  ep: string;
  commit: string;
  time: string;
}


async function run(setName: string, seed: number, heads: HeadKind[]): Promise<void> {
  const spec = SETS[setName];
  if (!spec) throw new Error(`unknown --set "${setName}"; choose one of ${Object.keys(SETS).join(', ')}`);
  const { train, selection, evaluation } = readSet(spec);
  const encoder = await Encoder.load(await loadModelSourceNode({ kind: 'default' }), { runtime: 'node', epPolicy: 'auto' });
  const cache = await FeatureCache.open({ store: new NodeCacheStore(), budgetBytes: 8 * 2 ** 30 });
  let cachedTexts = 0;
  const t0 = performance.now();
  const encode = async (ds: Dataset): Promise<EncodedExample[]> =>
    encoder.encode(
      ds.examples.map((x) => (x.textPair === undefined ? { text: x.text } : { text: x.text, textPair: x.textPair })),
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
  const seeds = await encoder.encode(labelTexts.map((text) => ({ text })));
  const encodeSeconds = (performance.now() - t0) / 1000;
  await cache.close();
  const toEx = (ds: Dataset, f: EncodedExample[]): TrainExample[] => ds.examples.map((x, i) => ({ features: f[i], label: x.label }));
  const exTrain = toEx(train, fTrain);
  const exSel = toEx(selection, fSel);
  const exEval = toEx(evaluation, fEval);
  const pair = train.examples.some((x) => x.textPair !== undefined) && !encoder.info.hasPairInput;
  const gpu = await acquireGpu();
  const engine = new GpuEngine(gpu);
  mkdirSync(dirname(outFile), { recursive: true });
  try {
    for (const kind of heads) {
      const head = buildHead(engine, kind, { C: encoder.info.hiddenSize, labels: train.labels.length, pair, labelFeatures: seeds, seed });
      const probe = kind === 'linear' || kind === 'label';
      const epochs = probe ? 10 : spec.epochs;
      const trainer = new Trainer(engine, head, { epochs, seed, tmax: spec.headTmax ?? encoder.tmax, patience: 3, ...headTrainDefaults(kind) });
      const t1 = performance.now();
      const result = head.params.length ? await trainer.fit(exTrain, exSel) : null;
      const trainSeconds = (performance.now() - t1) / 1000;
      const final = await trainer.evaluate(exEval);
      const row: ResultRow = {
        set: setName,
        head: kind,
        input: headEntry(kind).input,
        correct: correctnessString(argmaxRows(final.logits, exEval.length, train.labels.length), exEval.map((x) => x.label)),
        seed,
        accuracy: final.metrics.accuracy,
        macroF1: final.metrics.macroF1,
        selectionAccuracy: result?.best?.metrics.accuracy ?? null,
        bestEpoch: result?.best ? result.best.epoch + 1 : null,
        epochs,
        stoppedBy: result?.stoppedBy ?? 'no-training',
        trainExamples: exTrain.length,
        selectionExamples: exSel.length,
        evalExamples: exEval.length,
        encodeSeconds,
        cachedTexts,
        trainSeconds,
        adapter: describeAdapter(gpu.report),
        ep: encoder.info.ep,
        commit: commitId(),
        time: new Date().toISOString(),
      };
      appendFileSync(outFile, JSON.stringify(row) + '\n');
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


function meanSd(xs: number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** The markdown table body: one row per head, one column per set (accuracy mean ± sd over seeds, n). */
export function renderTable(rows: ResultRow[], sets: string[], heads: readonly string[]): string {
  const fmt = (xs: number[]) => {
    if (!xs.length) return '—';
    const { mean, sd } = meanSd(xs.map((x) => x * 100));
    return `${mean.toFixed(1)} ± ${sd.toFixed(1)}${xs.length < 3 ? ` (n=${xs.length})` : ''}`;
  };
  const lines = [`| head | ${sets.map((s) => `${SETS[s].title} ${SETS[s].evalName}`).join(' | ')} |`, `|---|${sets.map(() => '---').join('|')}|`];
  for (const h of heads) {
    const cells = sets.map((s) => {
      const r = rows.filter((x) => x.set === s && x.head === h);
      return r.length ? `${fmt(r.map((x) => x.accuracy))}<br><sub>F1 ${fmt(r.map((x) => x.macroF1))}</sub>` : '—';
    });
    lines.push(`| ${h} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Per (set, head): train size, epochs, mean train seconds, mean best epoch, encode seconds of the first seed. */
export function renderTimings(rows: ResultRow[], sets: string[], heads: readonly string[]): string {
  const lines = ['| set | head | train examples | max epochs | mean best epoch | train s (mean) | seeds | command |', '|---|---|---|---|---|---|---|---|'];
  for (const s of sets) {
    for (const h of heads) {
      const r = rows.filter((x) => x.set === s && x.head === h);
      if (!r.length) continue;
      const be = r.filter((x) => x.bestEpoch !== null).map((x) => x.bestEpoch as number);
      lines.push(
        `| ${SETS[s].title} | ${h} | ${r[0].trainExamples} | ${h === 'zeroshot' ? '—' : r[0].epochs} | ${be.length ? meanSd(be).mean.toFixed(1) : '—'} | ${meanSd(r.map((x) => x.trainSeconds)).mean.toFixed(1)} | ${r.map((x) => x.seed).sort().join(',')} | \`npm run results -- --set ${s} --heads ${h} --seed ${r.map((x) => x.seed).sort().join(',')}\` |`,
      );
    }
  }
  return lines.join('\n');
}

/** The issue's goals, checked on the means: Y-Tuning > linear on every set; both L-Tuning > linear on pairs. */
export function renderGoals(rows: ResultRow[], sets: string[]): string {
  const mean = (s: string, h: string) => {
    const r = rows.filter((x) => x.set === s && x.head === h);
    return r.length ? meanSd(r.map((x) => x.accuracy * 100)).mean : NaN;
  };
  const lines: string[] = [];
  for (const s of sets) {
    const lin = mean(s, 'linear');
    const pairSet = s === 'rte' || s === 'mrpc';
    const challengers = pairSet ? ['ytuning', 'label-attn-prefix', 'label-attn-prompt'] : ['ytuning'];
    const parts = challengers.map((h) => {
      const d = mean(s, h) - lin;
      return Number.isNaN(d) ? `${h}: not run` : `${h} ${d >= 0 ? '+' : ''}${d.toFixed(1)} points vs linear (${d > 0 ? 'beats it' : 'does not beat it'})`;
    });
    lines.push(`- ${SETS[s].title}: ${parts.join('; ')}`);
  }
  return lines.join('\n');
}

function render(): void {
  if (!existsSync(outFile)) throw new Error(`no results yet: ${outFile} is missing (run --set first)`);
  const rows = readFileSync(outFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ResultRow);
  // The newest row wins for a (set, head, seed) triple run twice.
  const latest = new Map<string, ResultRow>();
  for (const r of rows) {
    // Rows written before issue 10 under ltuning-prefix / -prompt are the cached-feature heads now called
    // label-attn-prefix / -prompt; the published L-Tuning kinds (token ids) never ran through this script.
    if ((r.head === 'ltuning-prefix' || r.head === 'ltuning-prompt') && r.input !== 'token-ids') r.head = r.head === 'ltuning-prefix' ? 'label-attn-prefix' : 'label-attn-prompt';
    latest.set(`${r.set}/${r.head}/${r.seed}`, r);
  }
  const kept = [...latest.values()];
  const sets = Object.keys(SETS).filter((s) => kept.some((r) => r.set === s));
  const encodeLines = sets.map((s) => {
    const r = kept.filter((x) => x.set === s);
    const first = r.reduce((a, b) => (a.cachedTexts <= b.cachedTexts ? a : b));
    return `- ${SETS[s].title}: ${first.trainExamples + first.selectionExamples + first.evalExamples} texts, ${first.encodeSeconds.toFixed(1)} s with ${first.cachedTexts} from the feature cache (${first.ep})`;
  });
  const tpl = readFileSync(join(root, 'docs/RESULTS.template.md'), 'utf8');
  const out = tpl
    .replace('{{TABLE}}', renderTable(kept, sets, HEAD_KINDS))
    .replace('{{TIMINGS}}', renderTimings(kept, sets, HEAD_KINDS))
    .replace('{{GOALS}}', renderGoals(kept, sets))
    .replace('{{ENCODE}}', encodeLines.join('\n'))
    .replace('{{ADAPTER}}', kept[0]?.adapter ?? 'unknown')
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
  const heads = (values.heads ? values.heads.split(',') : [...HEAD_KINDS]) as HeadKind[];
  for (const h of heads) if (!HEAD_KINDS.includes(h)) throw new Error(`unknown head "${h}"; choose from ${HEAD_KINDS.join(', ')}`);
  // This runner trains on cached features only; the kinds that run the encoder on token ids (finetune, the
  // published L-Tuning and its prefix/prompt baselines) are measured with scripts/ltuning-check.ts for now.
  const tokenKinds = heads.filter((h) => headEntry(h).input === 'token-ids');
  if (values.heads && tokenKinds.length) throw new Error(`${tokenKinds.join(', ')} train on token ids through the WGSL encoder, which this runner does not do yet: use scripts/ltuning-check.ts`);
  heads.splice(0, heads.length, ...heads.filter((h) => headEntry(h).input === 'features'));
  for (const s of values.set.split(',')) for (const seed of values.seed.split(',').map(Number)) await run(s, seed, heads);
}

main().catch((err) => {
  console.error(`results: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
