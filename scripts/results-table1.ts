// The L-Tuning paper's Table 1 (Kowsher et al., arXiv 2402.01643) rebuilt on this machine at a CPU-sized budget:
// Prefix (prefix-tuning), LT-Prefix (ltuning-prefix), Prompt (prompt-tuning), LT-Prompt (ltuning-prompt) on the
// frozen WGSL encoder, with the paper's BERT-base numbers beside ours on the page (results-table1-render.ts).
// Appends one JSON line per (set, head, seed, label-map lr scale) to docs/results/table1.jsonl; `--render` writes
// the page's Table 1 section between its markers in docs/RESULTS.md and its template.
// Design decisions: the budget is data and steps, stated on the page: a fixed stratified subset of the set's
// training split (seed 0, independent of the training seed), a fixed subset of its 10% selection split that
// picks the kept epoch, and a fixed stratified subset of the evaluation file scored once; one lr and batch for all
// four methods. `--map-lr-scale d|sqrt-d` overrides the lr multiplier of the label maps (G.W, Z.*.W) for the
// comparison of notes/hl3.md (goal 1); the row records the multiplier the run used. Pair sets (RTE, MRPC): each
// pair is one joint sequence for all four methods (results-table1-inputs.ts). `--heads linear` adds the linear
// probe on the SAME texts (the encoder's pooled vectors; pairs: the main table's pair features), at the same batch
// and lr (epochs: the table's, or --probe-epochs), its L2 chosen on the same selection subset from results-protocol's
// grid: the yardstick of issue 10's goal "LT-Prefix at least matches the linear probe".
//
//   npm run results:table1 -- --set sst2 --seed 0,1,2 [--heads prefix-tuning,ltuning-prefix,prompt-tuning,ltuning-prompt,linear]
//        [--train 96] [--selection 32] [--eval-limit 128] [--epochs 3] [--batch 8] [--lr 1e-2] [--map-lr-scale d|sqrt-d]
//        [--probe-texts 16] [--probe-epochs N] [--out FILE]
//        (--probe-texts: L-Tuning heads, the label's effect on the pooled output by the float64 reference on n texts;
//         --probe-epochs: the linear probe's epochs, default --epochs)
//   npm run results:table1 -- --render
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Dataset } from '../src/data';
import { Encoder } from '../src/encoder/encoder';
import { loadModelSourceNode } from '../src/encoder/sources-node';
import { acquireGpu, describeAdapter } from '../src/gpu/device';
import { GpuEngine } from '../src/gpu/engine';
import { EncoderTuningHead } from '../src/heads/ltuning-encoder';
import { buildHead, headTrainDefaults, type HeadKind } from '../src/heads/registry';
import { readEncoderSpec } from '../src/model/onnx-reader';
import type { TrainExample } from '../src/train/batches';
import { Trainer, type TrainResult } from '../src/train/trainer';
import { encoderTuningForwardRef } from '../reference/heads/ltuning-encoder';
import type { Head } from '../src/heads/head';
import { fitProbeL2 } from './results-probe';
import type { L2Trial } from './results-protocol';
import { correctnessString } from './results-stats';
import { table1Examples } from './results-table1-inputs';
import { renderTable1, replaceTable1Section, type Table1Row } from './results-table1-render';
import { argmaxRows, capSet as cap, commitId, featureExamples, readSet, root, SETS, sideBySidePairs } from './results-sets';

export const table1File = join(root, 'docs/results/table1.jsonl');
/** The commit this process's code came from (read at start: a commit made while a run goes on is not its code). */
const COMMIT = commitId();
const TABLE1_HEADS: HeadKind[] = ['prefix-tuning', 'ltuning-prefix', 'prompt-tuning', 'ltuning-prompt'];
/** The yardstick beside the four methods (not one of the paper's): the linear probe on the same texts. */
const PROBE: HeadKind = 'linear';
/** Label texts as the paper's label words (not the page's descriptive sentences): the label token states. */
const LABEL_WORDS: Record<string, Record<string, string>> = {
  sst2: { '0': 'negative', '1': 'positive' },
  rte: { entailment: 'entailment', not_entailment: 'not entailment' },
  mrpc: { '0': 'not equivalent', '1': 'equivalent' },
  trec: { '0': 'description', '1': 'entity', '2': 'abbreviation', '3': 'human', '4': 'location', '5': 'number' },
};
const LABEL_MAP = /^(G|Z\.\d+\.[kv])\.W$/;

/** lt-prompt's prompt rows G(h_y) (labels x lmax x E, masked rows skipped) from the head's current G. */
async function promptRows(e: GpuEngine, h: EncoderTuningHead): Promise<Float64Array[] | null> {
  if (h.config.method !== 'lt-prompt') return null;
  const W = await e.read(h.params.find((p) => p.name === 'G.W')!.value);
  const b = await e.read(h.params.find((p) => p.name === 'G.b')!.value);
  const { d, E, L, lmax, labelTokens, labelMask } = h.config;
  const out: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const rows = new Float64Array(lmax * E);
    for (let i = 0; i < lmax; i++) {
      if (!labelMask[l * lmax + i]) continue;
      for (let k = 0; k < E; k++) {
        let s = b[k];
        for (let j = 0; j < d; j++) s += labelTokens[(l * lmax + i) * d + j] * W[j * E + k];
        rows[i * E + k] = s;
      }
    }
    out.push(rows);
  }
  return out;
}

/** L-Tuning heads: how much the label changes the pooled representation, by the float64 reference on the head's
 *  current parameters: mean over the first n evaluation texts of cos(pooled(x; label 0), pooled(x; label 1)) and of
 *  the rms of their difference (the classifier's input; 1 - cos = 0 means the label does not reach it). */
async function labelEffect(e: GpuEngine, h: EncoderTuningHead, xs: readonly TrainExample[], n: number): Promise<{ cos: number; rmsDiff: number; texts: number } | null> {
  const r = h.config;
  if (r.method !== 'lt-prompt' && r.method !== 'lt-prefix') return null;
  const p: Record<string, Float64Array> = {};
  for (const q of h.params) p[q.name] = Float64Array.from(await e.read(q.value));
  const sub = xs.slice(0, n);
  const T = Math.max(...sub.map((x) => x.tokens!.ids.length));
  const ids = new Array(sub.length * T).fill(0);
  const mask = new Array(sub.length * T).fill(0);
  sub.forEach((x, b) => x.tokens!.ids.forEach((id, t) => ((ids[b * T + t] = id), (mask[b * T + t] = x.tokens!.mask[t]))));
  const { cache } = encoderTuningForwardRef(r, p, { B: sub.length, T, ids, mask, tokenTypes: null }, null);
  const C = r.Cp;
  let cos = 0;
  let rd = 0;
  for (let b = 0; b < sub.length; b++) {
    const u = cache.pooled.subarray((b * cache.k) * C, (b * cache.k + 1) * C);
    const v = cache.pooled.subarray((b * cache.k + 1) * C, (b * cache.k + 2) * C);
    let uv = 0, uu = 0, vv = 0, dd = 0;
    for (let j = 0; j < C; j++) (uv += u[j] * v[j]), (uu += u[j] * u[j]), (vv += v[j] * v[j]), (dd += (u[j] - v[j]) ** 2);
    cos += uv / Math.sqrt(uu * vv) / sub.length;
    rd += Math.sqrt(dd / C) / sub.length;
  }
  return { cos, rmsDiff: rd, texts: sub.length };
}

const rms = (a: Float64Array, b?: Float64Array) => Math.sqrt(a.reduce((s, x, i) => s + (x - (b ? b[i] : 0)) ** 2, 0) / a.length);

async function run(setName: string, seed: number, heads: HeadKind[], o: { train: number; selection: number; evalLimit: number; epochs: number; batch: number; lr: number; tmax: number; mapLrScale: string | null; probeTexts: number; probeEpochs: number | null; out: string }): Promise<void> {
  const spec = SETS[setName];
  if (!spec) throw new Error(`unknown --set "${setName}"; choose one of ${Object.keys(SETS).join(', ')}`);
  const sets = readSet(spec);
  const train = cap(sets.train, o.train);
  const selection = cap(sets.selection, o.selection);
  const evaluation = cap(sets.evaluation, o.evalLimit);
  const files = await loadModelSourceNode({ kind: 'default' });
  const encoder = await Encoder.load(files, { runtime: 'node', epPolicy: 'auto', tmax: o.tmax });
  const words = LABEL_WORDS[setName] ?? {};
  const labelTexts = train.labels.map((l) => words[l] ?? l);
  const seeds = await encoder.encode(labelTexts.map((text) => ({ text })));
  const encoderSpec = readEncoderSpec(files.model);
  const tuned = heads.filter((k) => k !== PROBE);
  const tok = (ds: Dataset) => table1Examples(encoder.tokenizer, ds, o.tmax, tuned);
  const ex = tuned.length ? { train: tok(train), sel: tok(selection), evaluation: tok(evaluation) } : null;
  // The probe's inputs: the encoder's pooled vectors of the same examples (pairs as the main table's pair features).
  const pair = sideBySidePairs(train, encoder.info);
  const pooled = (ds: Dataset) => featureExamples(encoder, ds);
  const px = heads.includes(PROBE) ? { train: await pooled(train), sel: await pooled(selection), evaluation: await pooled(evaluation) } : null;
  const L = train.labels.length;
  const gpu = await acquireGpu();
  const e = new GpuEngine(gpu);
  mkdirSync(dirname(o.out), { recursive: true });
  try {
    for (const kind of heads) {
      const data = kind === PROBE ? px! : ex!;
      const budget = { ...headTrainDefaults(kind), epochs: kind === PROBE ? (o.probeEpochs ?? o.epochs) : o.epochs, seed, tmax: o.tmax, patience: 0, batchSize: o.batch, lr: o.lr, readEvery: 1 };
      let head: Head;
      let trainer: Trainer;
      let result: TrainResult;
      let l2Grid: L2Trial[] | undefined;
      let mapLrScale: string | null = null;
      let losses: number[] = [];
      let rows0: Float64Array[] | null = null;
      let effect0: Awaited<ReturnType<typeof labelEffect>> = null;
      let t1 = performance.now();
      if (kind === PROBE) {
        // The probe's L2 (AdamW decoupled decay) from the main table's grid, chosen on the same selection subset.
        const build = () => buildHead(e, kind, { C: encoder.info.hiddenSize, labels: L, pair, labelFeatures: seeds, seed });
        ({ head, trainer, result, l2Grid, losses } = await fitProbeL2(e, build, budget, data.train, data.sel));
        console.log(`  ${kind} seed ${seed}: L2 grid on the selection subset ${l2Grid.map((x) => `${x.weightDecay}: ${(x.selectionAccuracy * 100).toFixed(1)}%`).join(', ')}; kept ${trainer.options.weightDecay}`);
      } else {
        head = buildHead(e, kind, { C: encoder.info.hiddenSize, labels: L, pair: false, labelFeatures: seeds, seed, encoderSpec });
        if (!(head instanceof EncoderTuningHead)) throw new Error(`${kind} is not a frozen-encoder tuning head`);
        const d = head.config.d;
        if (o.mapLrScale) for (const p of head.params) if (LABEL_MAP.test(p.name)) p.lrScale = o.mapLrScale === 'sqrt-d' ? 1 / Math.sqrt(d) : 1 / d;
        const mapParam = head.params.find((p) => LABEL_MAP.test(p.name));
        mapLrScale = mapParam ? (Math.abs((mapParam.lrScale ?? 1) * d - 1) < 1e-9 ? '1/d' : Math.abs((mapParam.lrScale ?? 1) * Math.sqrt(d) - 1) < 1e-9 ? '1/sqrt(d)' : String(mapParam.lrScale ?? 1)) : null;
        trainer = new Trainer(e, head, budget);
        rows0 = await promptRows(e, head);
        effect0 = await labelEffect(e, head, data.evaluation, o.probeTexts);
        t1 = performance.now();
        result = await trainer.fit(data.train, data.sel, {
          onStep: (s) => losses.push(s.loss),
          onEval: (r) => console.log(`  ${kind} seed ${seed} epoch ${r.epoch + 1}: selection accuracy ${(r.metrics.accuracy * 100).toFixed(1)}%`),
        });
      }
      try {
        const trainSeconds = (performance.now() - t1) / 1000;
        const rows1 = head instanceof EncoderTuningHead ? await promptRows(e, head) : null;
        const effect1 = head instanceof EncoderTuningHead ? await labelEffect(e, head, data.evaluation, o.probeTexts) : null;
        const final = await trainer.evaluate(data.evaluation);
        const predicted = argmaxRows(final.logits, data.evaluation.length, L);
        const hist = new Array(L).fill(0);
        for (const p of predicted) hist[p]++;
        const m6 = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
        const row: Table1Row = {
          set: setName,
          head: kind,
          seed,
          mapLrScale,
          accuracy: final.metrics.accuracy,
          macroF1: final.metrics.macroF1,
          predicted: hist,
          correct: correctnessString(predicted, data.evaluation.map((x) => x.label)),
          evalLabels: data.evaluation.map((x) => x.label),
          bestEpoch: result.best ? result.best.epoch + 1 : null,
          selectionByEpoch: result.dev.map((r) => r.metrics.accuracy),
          lossFirst6: m6(losses.slice(0, 6)),
          lossLast6: m6(losses.slice(-6)),
          steps: result.steps,
          prompt:
            rows0 && rows1
              ? { rmsInit: rows0.map((r) => rms(r)), moved: rows0.map((r, l) => rms(rows1[l], r)), labelGapInit: rms(rows0[1], rows0[0]), labelGapAfter: rms(rows1[1], rows1[0]) }
              : null,
          labelEffect: effect0 && effect1 ? { init: effect0, after: effect1 } : null,
          labels: train.labels,
          labelTexts,
          epochs: o.epochs,
          lr: o.lr,
          batch: o.batch,
          tmax: o.tmax,
          trainExamples: data.train.length,
          selectionExamples: data.sel.length,
          evalExamples: data.evaluation.length,
          ...(l2Grid ? { weightDecay: trainer.options.weightDecay, l2Grid } : {}),
          ...(kind === PROBE && o.probeEpochs && o.probeEpochs !== o.epochs ? { probeEpochs: o.probeEpochs } : {}),
          trainableParams: head.params.map((p) => p.value.size).reduce((a, b) => a + b, 0),
          trainSeconds,
          adapter: describeAdapter(gpu.report),
          commit: COMMIT,
          time: new Date().toISOString(),
        };
        appendFileSync(o.out, JSON.stringify(row) + '\n');
        console.log(`${row.time.slice(11, 19)} ${setName} ${kind} (${mapLrScale ?? '-'}) seed ${seed}: ${(row.accuracy * 100).toFixed(2)}% (macro-F1 ${(row.macroF1 * 100).toFixed(2)}), predicted ${JSON.stringify(hist)}, best epoch ${row.bestEpoch}, train ${trainSeconds.toFixed(0)} s${row.prompt ? `, prompt ${JSON.stringify(row.prompt)}` : ''}${row.labelEffect ? `, label effect ${JSON.stringify(row.labelEffect)}` : ''}`);
      } finally {
        trainer.dispose();
        head.dispose();
      }
    }
  } finally {
    await encoder.dispose();
    e.destroy();
    gpu.destroy();
  }
}

function render(): void {
  if (!existsSync(table1File)) throw new Error(`no Table 1 runs yet: ${table1File} is missing (run --set first)`);
  const rows = readFileSync(table1File, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Table1Row);
  const body = renderTable1(rows, Object.fromEntries(Object.entries(SETS).map(([k, v]) => [k, v.title])));
  for (const name of ['docs/RESULTS.md', 'docs/RESULTS.template.md']) {
    const p = join(root, name);
    writeFileSync(p, replaceTable1Section(readFileSync(p, 'utf8'), body));
  }
  console.log(`wrote the Table 1 section of docs/RESULTS.md (and its template) from ${rows.length} rows`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      set: { type: 'string' },
      seed: { type: 'string', default: '0' },
      heads: { type: 'string', default: TABLE1_HEADS.join(',') },
      train: { type: 'string', default: '96' },
      selection: { type: 'string', default: '32' },
      'eval-limit': { type: 'string', default: '128' },
      epochs: { type: 'string', default: '3' },
      batch: { type: 'string', default: '8' },
      lr: { type: 'string', default: '1e-2' },
      tmax: { type: 'string', default: '64' },
      'map-lr-scale': { type: 'string' },
      'probe-texts': { type: 'string', default: '16' },
      'probe-epochs': { type: 'string' },
      out: { type: 'string' },
      render: { type: 'boolean', default: false },
    },
  });
  if (values.render) return render();
  if (!values.set) throw new Error('give --set NAME[,NAME...] (or --render)');
  const heads = values.heads.split(',') as HeadKind[];
  for (const h of heads) if (!TABLE1_HEADS.includes(h) && h !== PROBE) throw new Error(`unknown head "${h}"; Table 1 has ${TABLE1_HEADS.join(', ')} and the probe ${PROBE}`);
  const int = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${v}"`);
    return n;
  };
  const lr = Number(values.lr);
  if (!(lr > 0)) throw new Error(`--lr must be a positive number, got "${values.lr}"`);
  const mapLrScale = values['map-lr-scale'] ?? null;
  if (mapLrScale !== null && mapLrScale !== 'd' && mapLrScale !== 'sqrt-d') throw new Error(`--map-lr-scale must be "d" (lr/d) or "sqrt-d" (lr/sqrt(d)), got "${mapLrScale}"`);
  const o = { train: int('train', values.train), selection: int('selection', values.selection), evalLimit: int('eval-limit', values['eval-limit']), epochs: int('epochs', values.epochs), batch: int('batch', values.batch), lr, tmax: int('tmax', values.tmax), mapLrScale, probeTexts: int('probe-texts', values['probe-texts']), probeEpochs: values['probe-epochs'] === undefined ? null : int('probe-epochs', values['probe-epochs']), out: values.out ?? table1File };
  for (const s of values.set.split(',')) for (const seed of values.seed.split(',').map(Number)) await run(s, seed, heads, o);
  process.exit(0); // a Dawn instance would keep Node alive
}

if (process.argv[1]?.endsWith('results-table1.ts')) {
  main().catch((err) => {
    console.error(`results-table1: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
