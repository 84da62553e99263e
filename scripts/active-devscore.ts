// Is the Label step's learning curve honest? A replay of the studio's labelling session (src/train/active/
// session.ts, dev-score.ts: the same ranking, audit schedule and probe) on a benchmark pool whose labels are
// revealed as the "user" answers, compared at each checkpoint with what the head really scores on the set's
// held-out test file: the dev score (audit rows, never trained on) against the old curve (the head's guess on
// each asked row before its label, over the last 20 rows). Design decision: I/O and printing only; every step
// of the session is the studio's own code.
//
//   npx tsx --import ./scripts/raw-loader.mjs scripts/active-devscore.ts [--set trec] [--seeds 0,1,2] [--audit 5] [--every 20] [--budget 300]
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { alignDev, loadDataset } from '../src/data';
import { devCurve } from '../src/train/active/dev-score';
import { probeProbs, rowsFitter } from '../src/train/active/probe';
import { labelRow, newSession, nextRow, sessionProbs, splitAnswers, type LabelSession } from '../src/train/active/session';
import { mulberry32, seededShuffle } from '../src/util/random';
import { poolFeatures } from './pool-features';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = process.env.LABELTUNE_DATA ?? resolve(root, '../shared/data');
const SETS: Record<string, { pool: string; test: string }> = { trec: { pool: 'trec/train.txt', test: 'trec/test.txt' }, agnews: { pool: 'agnews/dev.tsv', test: 'agnews/test.tsv' } };

const argmax = (p: Float32Array, L: number, i: number) => {
  let b = 0;
  for (let l = 1; l < L; l++) if (p[i * L + l] > p[i * L + b]) b = l;
  return b;
};

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { set: { type: 'string', default: 'trec' }, seeds: { type: 'string', default: '0,1,2' }, audit: { type: 'string', default: '5' }, every: { type: 'string', default: '20' }, budget: { type: 'string', default: '300' }, given: { type: 'string', default: '10' } } });
  const spec = SETS[values.set!];
  if (!spec) throw new Error(`unknown --set "${values.set}"; choose one of ${Object.keys(SETS).join(', ')}`);
  const pool = loadDataset(readFileSync(join(dataDir, spec.pool)), spec.pool).dataset;
  const test = alignDev(pool, loadDataset(readFileSync(join(dataDir, spec.test)), spec.test).dataset);
  const f = await poolFeatures(pool, test);
  const L = pool.labels.length;
  const gold = pool.examples.map((x) => x.label);
  const fitter = rowsFitter(f.pool, f.C, L);
  const zTest = fitter.z(f.test);
  const [audit, every, budget, nGiven] = [values.audit, values.every, values.budget, values.given].map(Number);
  console.log(`${values.set}: pool ${pool.examples.length} (labels revealed on request), test ${test.examples.length}, ${L} labels; margin ranking, a dev row every ${audit} asked, retrain every ${every} training labels, ${nGiven} random given rows`);
  console.log('| seed | training labels | old curve: guess accuracy, last 20 asked | dev accuracy [95% Wilson] (dev n) | test accuracy (same probe) |');
  console.log('|---|---|---|---|---|');
  for (const seed of values.seeds!.split(',').map(Number)) {
    const given = Object.fromEntries(seededShuffle([...gold.keys()], mulberry32(seed)).slice(0, nGiven).map((r) => [r, gold[r]]));
    let s: LabelSession = newSession(pool.examples.map((x) => x.text), pool.labels, { given, every, audit: { every: audit, seed } });
    let probs = sessionProbs(s, fitter, null);
    let trainedAt = splitAnswers(s).train.size;
    const guesses: boolean[] = [];
    while (splitAnswers(s).train.size < budget + nGiven) {
      const row = nextRow(s, probs, f.pool, f.C)!;
      const isDev = !splitAnswers(labelRow(s, row, gold[row])).train.has(row);
      if (!isDev && probs) guesses.push(argmax(probs, L, row) === gold[row]);
      s = labelRow(s, row, gold[row]);
      const { train } = splitAnswers(s);
      if (train.size - trainedAt < every) continue;
      probs = sessionProbs(s, fitter, null);
      trainedAt = train.size;
      const n = train.size - nGiven;
      if (n % 100 !== 0) continue;
      const c = devCurve(s, fitter);
      const last = c.points.at(-1);
      const pt = probeProbs(fitter.fit(train), zTest);
      let ok = 0;
      test.examples.forEach((x, i) => (ok += argmax(pt, L, i) === x.label ? 1 : 0));
      const g = guesses.slice(-20);
      const pct = (x: number) => (100 * x).toFixed(1);
      const dev = last && last.train === train.size ? `${pct(last.accuracy)} [${pct(last.low)}, ${pct(last.high)}] (${last.dev})` : `— (${c.why})`;
      console.log(`| ${seed} | ${train.size} | ${pct(g.filter(Boolean).length / g.length)} | ${dev} | ${pct(ok / test.examples.length)} |`);
    }
  }
}

main().catch((err) => {
  console.error(`active-devscore: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
