// Renders the main table of docs/RESULTS.md (RESULTS version 2, issue 10) from the rows of
// docs/results/results.jsonl: one table per set (mean ± sd over seeds, the paired bootstrap 95% interval of each
// head minus the linear probe, constant-predictor seeds, the probe's chosen L2, the commit of every row), which
// seeds of which set ran, and the goals and findings read off those rows. Pure (no GPU, no files), unit-tested.
// Design decision: every sentence this module writes is computed from the rows it is given, so a set or seed
// that did not run is named as not run and never described.
import { constantMacroF1, isConstant } from './results-protocol';
import { meanCorrect, pairedBootstrap, type PairedInterval } from './results-stats';

/** The fields of a results row this renderer reads (scripts/results.ts writes them). */
export interface RenderRow {
  protocol?: number;
  set: string;
  head: string;
  seed: number;
  accuracy: number;
  macroF1: number;
  correct?: string;
  predicted?: number[];
  evalLabelCounts?: number[];
  bestEpoch: number | null;
  epochs: number;
  patience?: number;
  lr?: number;
  weightDecay?: number;
  dropout?: number;
  trainExamples: number;
  selectionExamples: number;
  evalExamples: number;
  trainSeconds: number;
  commit: string;
  time: string;
}

export interface SetInfo {
  title: string;
  evalName: string;
}

export const PROBE = 'linear';

export function meanSd(xs: readonly number[]): { mean: number; sd: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** Version-2 rows only, the newest row winning for a (set, head, seed) run twice. */
export function latestRows<R extends RenderRow>(rows: readonly R[]): R[] {
  const latest = new Map<string, R>();
  for (const r of rows) if (r.protocol === 2) latest.set(`${r.set}/${r.head}/${r.seed}`, r);
  return [...latest.values()];
}

const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

/** "+1.2 [-0.3, +2.6]" (points). */
export function formatInterval(iv: PairedInterval): string {
  return `${signed(iv.diff)} [${signed(iv.lo)}, ${signed(iv.hi)}]`;
}

/** A seed list as "0-4" when consecutive, else "0, 2, 3". */
export function formatSeeds(seeds: readonly number[]): string {
  const s = [...new Set(seeds)].sort((a, b) => a - b);
  if (s.length > 2 && s.every((x, i) => i === 0 || x === s[i - 1] + 1)) return `${s[0]}-${s[s.length - 1]}`;
  return s.join(', ');
}

/** The paired interval of `head` minus the probe over the seeds both ran on `set`, or null. */
export function vsProbe(rows: readonly RenderRow[], set: string, head: string): { iv: PairedInterval; seeds: number[] } | null {
  const of = (h: string) => rows.filter((r) => r.set === set && r.head === h && r.correct);
  const probe = new Map(of(PROBE).map((r) => [r.seed, r.correct!]));
  const mine = of(head).filter((r) => probe.has(r.seed));
  if (head === PROBE || mine.length === 0) return null;
  const a = meanCorrect(mine.map((r) => r.correct!));
  const b = meanCorrect(mine.map((r) => probe.get(r.seed)!));
  return { iv: pairedBootstrap(a, b, 2000, 0), seeds: mine.map((r) => r.seed).sort((x, y) => x - y) };
}

/** Seeds of `rows` whose head predicted one class for every evaluation example. */
export function constantSeeds(rows: readonly RenderRow[]): number[] {
  return rows.filter((r) => r.predicted && isConstant(r.predicted)).map((r) => r.seed);
}

/** One set's table: a row per head that ran on it. */
export function renderSetTable(rows: readonly RenderRow[], set: string, info: SetInfo, heads: readonly string[]): string {
  const mine = rows.filter((r) => r.set === set);
  if (!mine.length) return '';
  const first = mine[0];
  const counts = mine.find((r) => r.evalLabelCounts)?.evalLabelCounts;
  const lines = [
    `### ${info.title} ${info.evalName}: ${first.trainExamples.toLocaleString('en')} training, ${first.selectionExamples.toLocaleString('en')} selection, ${first.evalExamples.toLocaleString('en')} evaluation examples`,
    '',
    counts ? `Evaluation labels: ${counts.join(' / ')}; a constant predictor scores at most ${((100 * Math.max(...counts)) / first.evalExamples).toFixed(1)} accuracy and ${(100 * constantMacroF1(counts)).toFixed(1)} macro-F1.` : '',
    '',
    '| head | seeds | accuracy | macro-F1 | minus linear, acc. points (paired bootstrap 95%) | % of full fine-tuning | constant-predictor seeds | kept epoch (mean) | L2 = AdamW decay, per seed | train s (mean) | commit(s) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const pm = (xs: number[]) => {
    const { mean, sd } = meanSd(xs.map((x) => 100 * x));
    return `${mean.toFixed(1)} ± ${sd.toFixed(1)}`;
  };
  for (const h of heads) {
    const r = mine.filter((x) => x.head === h).sort((a, b) => a.seed - b.seed);
    if (!r.length) continue;
    const vs = vsProbe(rows, set, h);
    const cs = constantSeeds(r);
    const be = r.filter((x) => x.bestEpoch !== null).map((x) => x.bestEpoch as number);
    const trained = r[0].epochs > 0;
    lines.push(
      [
        `\`${h}\``,
        formatSeeds(r.map((x) => x.seed)),
        pm(r.map((x) => x.accuracy)),
        pm(r.map((x) => x.macroF1)),
        h === PROBE ? '(the probe)' : vs ? formatInterval(vs.iv) : '— (no probe row for its seeds)',
        '— (see below)',
        cs.length ? `**${cs.length} of ${r.length}** (${formatSeeds(cs)})` : `0 of ${r.length}`,
        trained && be.length ? `${meanSd(be).mean.toFixed(1)} of ${r[0].epochs}` : '— (not trained)',
        h === PROBE ? r.map((x) => `${x.seed}: ${x.weightDecay}`).join(', ') : trained ? `${r[0].weightDecay ?? '—'} (default)` : '—',
        meanSd(r.map((x) => x.trainSeconds)).mean.toFixed(1),
        [...new Set(r.map((x) => x.commit))].join(', '),
      ].join(' | ').replace(/^/, '| ') + ' |',
    );
  }
  return lines.join('\n');
}

/** Which seeds of which set ran, per head (sets with no rows: "not run"). */
export function renderCoverage(rows: readonly RenderRow[], sets: readonly string[], titles: Record<string, SetInfo>, heads: readonly string[]): string {
  return sets
    .map((s) => {
      const mine = rows.filter((r) => r.set === s);
      if (!mine.length) return `- ${titles[s].title}: not run (no rows; nothing on this page is about it)`;
      const per = heads.filter((h) => mine.some((r) => r.head === h)).map((h) => [h, formatSeeds(mine.filter((r) => r.head === h).map((r) => r.seed))]);
      const same = per.every((p) => p[1] === per[0][1]);
      const missing = heads.filter((h) => !mine.some((r) => r.head === h));
      return `- ${titles[s].title}: ${same ? `seeds ${per[0][1]} for ${per.length === heads.length ? 'every head' : per.map((p) => p[0]).join(', ')}` : per.map((p) => `${p[0]} seeds ${p[1]}`).join('; ')}${missing.length ? `; not run: ${missing.join(', ')}` : ''}`;
    })
    .join('\n');
}

/** Findings read off the rows: per set, each head against the probe (interval) and its constant-predictor seeds. */
export function renderFindings(rows: readonly RenderRow[], sets: readonly string[], titles: Record<string, SetInfo>, heads: readonly string[]): string {
  const lines: string[] = [];
  for (const s of sets) {
    const mine = rows.filter((r) => r.set === s);
    if (!mine.length) continue;
    const parts: string[] = [];
    for (const h of heads) {
      if (h === PROBE) continue;
      const r = mine.filter((x) => x.head === h);
      if (!r.length) continue;
      const vs = vsProbe(rows, s, h);
      const cs = constantSeeds(r);
      let word = 'no probe rows to compare';
      if (vs) word = vs.iv.lo > 0 ? 'beats the probe' : vs.iv.hi < 0 ? 'is below the probe' : 'is within the interval of the probe (neither beats the other)';
      const c = cs.length ? `; a CONSTANT predictor on ${cs.length} of ${r.length} seeds (${formatSeeds(cs)})` : '';
      parts.push(`\`${h}\` ${word}${vs ? ` (${formatInterval(vs.iv)}, seeds ${formatSeeds(vs.seeds)})` : ''}${c}`);
    }
    lines.push(`- ${titles[s].title}: ${parts.join('; ')}.`);
  }
  return lines.join('\n');
}

/** The issue's goal on these rows: no head is a constant predictor on any seed of any set run. */
export function renderGoals(rows: readonly RenderRow[], sets: readonly string[], titles: Record<string, SetInfo>): string {
  const ran = sets.filter((s) => rows.some((r) => r.set === s));
  const bad = rows.filter((r) => r.predicted && isConstant(r.predicted));
  const byHead = new Map<string, string[]>();
  for (const r of bad) byHead.set(r.head, [...(byHead.get(r.head) ?? []), `${titles[r.set].title} seed ${r.seed}`]);
  const head = bad.length
    ? `- No head is a constant predictor: NOT met on the sets run (${[...byHead].map(([h, where]) => `\`${h}\`: ${where.join(', ')}`).join('; ')}).`
    : `- No head is a constant predictor: met on every seed of the sets run (${ran.map((s) => titles[s].title).join(', ') || 'none'}).`;
  const yt = ran.map((s) => {
    const vs = vsProbe(rows, s, 'ytuning');
    return vs ? `${titles[s].title} ${formatInterval(vs.iv)}` : `${titles[s].title} not run`;
  });
  const notRun = sets.filter((s) => !ran.includes(s)).map((s) => titles[s].title);
  const lines = [head, `- Y-Tuning minus the probe (accuracy points, paired bootstrap 95%): ${yt.join('; ') || 'no sets run'}.`];
  if (notRun.length) lines.push(`- Not checked (set not run): ${notRun.join(', ')}.`);
  return lines.join('\n');
}

/** Per set: the command that reproduces its rows and the summed training seconds of those rows. */
export function renderCommands(rows: readonly RenderRow[], sets: readonly string[], titles: Record<string, SetInfo>): string {
  const lines = ['| set | seeds | rows | train s (sum over heads and seeds) | rows written (UTC) | command |', '|---|---|---|---|---|---|'];
  for (const s of sets) {
    const r = rows.filter((x) => x.set === s);
    if (!r.length) continue;
    const seeds = [...new Set(r.map((x) => x.seed))].sort((a, b) => a - b);
    const times = r.map((x) => x.time).sort();
    const sum = r.reduce((a, x) => a + x.trainSeconds, 0);
    lines.push(`| ${titles[s].title} | ${formatSeeds(seeds)} | ${r.length} | ${sum.toFixed(0)} | ${times[0].slice(0, 16)} to ${times[times.length - 1].slice(11, 16)} | \`npm run results -- --set ${s} --seed ${seeds.join(',')}\` |`);
  }
  return lines.join('\n');
}
