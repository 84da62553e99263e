// The active-labelling simulation (issue 13 item 5): a benchmark set's training file is the unlabelled pool (its
// labels hidden, revealed one row at a time on request), its evaluation file the test set. Every strategy starts
// from the same random seed set per seed, retrains the CPU softmax probe (src/train/active/probe.ts) on the
// cached pooled sentence vectors every `step` labels, and is scored on the test set; the curves, a table, the
// goal check and an SVG plot go to docs/RESULTS.md (between the "active" markers, also kept in
// docs/RESULTS.template.md so `npm run results -- --render` keeps the section) and docs/active-learning.svg.
// Design decision: the features come from the same encoder and on-disk feature cache as `npm run results`, and
// the simulation itself is the pure, unit-tested src/train/active/simulate.ts; this file only does I/O.
//
//   npm run results:active -- [--set trec] [--seeds 0,1,2] [--step 20] [--strategies random,margin,...]
//   npm run results:active -- --render      (rewrite the docs from docs/results/active-<set>.json)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { alignDev, loadDataset, splitDataset } from '../src/data';
import { fitProbe, probeProbs, standardizer } from '../src/train/active/probe';
import { simulate, STRATEGIES, type CurvePoint, type Strategy } from '../src/train/active/simulate';
import { poolFeatures as features } from './pool-features';
import { renderActiveSection, activeSvg, replaceSection, type ActiveMeta, type ActiveRun } from './active-report';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.LABELTUNE_DATA ?? resolve(root, '../shared/data');

const SETS: Record<string, { title: string; pool: string; test: string; poolLimit: number | null }> = {
  trec: { title: 'TREC-6', pool: 'trec/train.txt', test: 'trec/test.txt', poolLimit: null },
  agnews: { title: 'AG News', pool: 'agnews/dev.tsv', test: 'agnews/test.tsv', poolLimit: null },
  sst2: { title: 'SST-2', pool: 'sst2/train.tsv', test: 'sst2/dev.tsv', poolLimit: 5000 },
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      set: { type: 'string', default: 'trec' },
      seeds: { type: 'string', default: '0,1,2' },
      'seed-size': { type: 'string', default: '20' },
      step: { type: 'string', default: '20' },
      budget: { type: 'string', default: '500' },
      strategies: { type: 'string', default: 'random,margin,entropy,margin-diverse' },
      'no-write': { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
      add: { type: 'boolean', default: false },
    },
  });
  if (values.render) return write(JSON.parse(readFileSync(join(root, `docs/results/active-${values.set}.json`), 'utf8')), values['no-write']!);
  const spec = SETS[values.set!];
  if (!spec) throw new Error(`unknown --set "${values.set}"; choose one of ${Object.keys(SETS).join(', ')}`);
  const strategies = values.strategies!.split(',') as Strategy[];
  for (const s of strategies) if (!STRATEGIES.includes(s)) throw new Error(`unknown strategy "${s}"; choose from ${STRATEGIES.join(', ')}`);
  if (!strategies.includes('random')) throw new Error('the strategies must include random (the baseline of the goal)');
  const seeds = values.seeds!.split(',').map(Number);
  const [seedSize, step, budget] = [values['seed-size'], values.step, values.budget].map(Number);
  const full = loadDataset(readFileSync(join(dataDir, spec.pool)), spec.pool).dataset;
  const pool = spec.poolLimit !== null && full.examples.length > spec.poolLimit ? splitDataset(full, { devFraction: spec.poolLimit / full.examples.length, seed: 0 }).dev : full;
  const test = alignDev(full, loadDataset(readFileSync(join(dataDir, spec.test)), spec.test).dataset);
  const raw = await features(pool, test);
  // z-scores with the statistics of the whole unlabelled pool (no labels involved), as the studio does.
  const z = standardizer(raw.pool, raw.C);
  const f = { ...raw, pool: z(raw.pool), test: z(raw.test) };
  const L = full.labels.length;
  const gold = Int32Array.from(pool.examples, (x) => x.label);
  const testLabels = Int32Array.from(test.examples, (x) => x.label);
  console.log(`${spec.title}: pool ${pool.examples.length}, test ${test.examples.length}, ${L} labels, C ${f.C}; encode ${f.encodeSeconds.toFixed(1)} s (${f.cached} from the feature cache)`);

  // The ceiling: the probe on every pool label.
  const t0 = performance.now();
  const all = fitProbe(f.pool, gold, f.C, L);
  const fullFitSeconds = (performance.now() - t0) / 1000;
  const pAll = probeProbs(all, f.test);
  let ok = 0;
  for (let i = 0; i < testLabels.length; i++) {
    let b = 0;
    for (let l = 1; l < L; l++) if (pAll[i * L + l] > pAll[i * L + b]) b = l;
    if (b === testLabels[i]) ok++;
  }
  const fullAccuracy = ok / testLabels.length;
  console.log(`probe on all ${pool.examples.length} pool labels: ${(100 * fullAccuracy).toFixed(2)}% (fit ${fullFitSeconds.toFixed(2)} s)`);

  const runs: ActiveRun[] = [];
  for (const seed of seeds) {
    for (const strategy of strategies) {
      let reveals = 0;
      const t1 = performance.now();
      const curve: CurvePoint[] = simulate(
        { pool: f.pool, reveal: (r) => (reveals++, gold[r]), test: f.test, testLabels, C: f.C, L },
        { strategy, seed, seedSize, step, budget },
      );
      const seconds = (performance.now() - t1) / 1000;
      runs.push({ seed, strategy, curve, reveals, seconds });
      const at = (n: number) => curve.find((p) => p.labels === n)?.accuracy;
      console.log(`seed ${seed} ${strategy}: ${curve.length} retrains in ${seconds.toFixed(1)} s; ${[100, 300, 500].map((n) => `@${n} ${((at(n) ?? NaN) * 100).toFixed(1)}`).join(', ')}; ${reveals} labels revealed`);
    }
  }
  const outDir = join(root, 'docs/results');
  mkdirSync(outDir, { recursive: true });
  const saved = join(outDir, `active-${values.set}.json`);
  if (values.add && existsSync(saved)) {
    // --add: keep the saved runs of other (seed, strategy) pairs (same set, schedule and budget only).
    const old = JSON.parse(readFileSync(saved, 'utf8')) as { meta: ActiveMeta; runs: ActiveRun[] };
    if (old.meta.seedSize !== seedSize || old.meta.step !== step || old.meta.budget !== budget) throw new Error(`--add: ${saved} has another schedule (seed size ${old.meta.seedSize}, step ${old.meta.step}, budget ${old.meta.budget})`);
    const have = new Set(runs.map((r) => `${r.seed}/${r.strategy}`));
    runs.unshift(...old.runs.filter((r) => !have.has(`${r.seed}/${r.strategy}`)));
    seeds.splice(0, seeds.length, ...[...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b));
  }
  const meta = { set: values.set!, title: spec.title, poolSize: pool.examples.length, testSize: test.examples.length, labels: L, seedSize, step, budget, seeds, fullAccuracy, command: `npm run results:active -- --set ${values.set} --seeds ${seeds.join(',')} --step ${step} --seed-size ${seedSize} --budget ${budget}`, time: new Date().toISOString() };
  writeFileSync(saved, JSON.stringify({ meta, runs }) + '\n');
  write({ meta, runs }, values['no-write']!);
}

/** Print the section; unless noWrite, write the SVG and the section into docs/RESULTS.md and its template. */
function write({ meta, runs }: { meta: ActiveMeta; runs: ActiveRun[] }, noWrite: boolean): void {
  const section = renderActiveSection(meta, runs);
  console.log(section);
  if (noWrite) return;
  writeFileSync(join(root, 'docs/active-learning.svg'), activeSvg(meta, runs));
  for (const name of ['docs/RESULTS.md', 'docs/RESULTS.template.md']) {
    const p = join(root, name);
    if (existsSync(p)) writeFileSync(p, replaceSection(readFileSync(p, 'utf8'), section));
  }
  console.log('wrote docs/active-learning.svg and the active-labelling section of docs/RESULTS.md (and its template)');
}

main().catch((err) => {
  console.error(`active-sim: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
