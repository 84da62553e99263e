// The Table 1 section of docs/RESULTS.md, rendered from docs/results/table1.jsonl (results-table1.ts): per set, the
// four methods of the L-Tuning paper's Table 1 with accuracy and macro-F1 (mean ± sd over seeds), how many seeds
// were constant predictors, the paired bootstrap 95% interval of each L-Tuning variant minus its plain baseline,
// the paper's BERT-base accuracy beside ours, and the commit of every row; plus the label-map lr comparison.
// Design decision: pure functions of the rows (no file access), so the unit tier checks what the page claims; the
// rows of one (set, head, map-lr-scale) group are those the page shows, the newest row winning for a repeated seed.
import { meanCorrect, pairedBootstrap } from './results-stats';
import { constantMacroF1 as constantMacroF1OfCounts, isConstant as isConstantCounts, predictedCounts, type L2Trial } from './results-protocol';

export interface Table1Row {
  set: string;
  head: string;
  seed: number;
  /** Label maps' lr multiplier ('1/d', '1/sqrt(d)'); null for the baselines. */
  mapLrScale: string | null;
  accuracy: number;
  macroF1: number;
  /** Predicted-label histogram on the evaluation subset. */
  predicted: number[];
  correct: string;
  evalLabels: number[];
  bestEpoch: number | null;
  selectionByEpoch: number[];
  lossFirst6: number;
  lossLast6: number;
  steps: number;
  /** lt-prompt only: rms of G(h_y) per label at init, rms of its change per label, rms gap between the labels' rows. */
  prompt: { rmsInit: number[]; moved: number[]; labelGapInit: number; labelGapAfter: number } | null;
  /** L-Tuning heads: cos(pooled(x; label 0), pooled(x; label 1)) and the rms of their difference, mean over the
   *  first evaluation texts, at init and after training (float64 reference); absent in rows before it. */
  labelEffect?: { init: LabelEffect; after: LabelEffect } | null;
  labels: string[];
  labelTexts: string[];
  epochs: number;
  lr: number;
  batch: number;
  tmax: number;
  trainExamples: number;
  selectionExamples: number;
  evalExamples: number;
  trainableParams: number;
  /** The probe (`linear`) only: the AdamW decoupled decay chosen on the selection subset, and every candidate. */
  weightDecay?: number;
  l2Grid?: L2Trial[];
  /** The probe only, when it trained for more epochs than the table's budget (`--probe-epochs`); its own group. */
  probeEpochs?: number;
  /** Seconds of training (the probe: its whole L2 grid). */
  trainSeconds: number;
  adapter: string;
  commit: string;
  time: string;
}

export interface LabelEffect {
  cos: number;
  rmsDiff: number;
  texts: number;
}

/** The paper's Table 1, BERT-base rows (accuracy %), by set: source cited on the page (PAPER_SOURCE). */
export const PAPER_BERT_BASE: Record<string, Partial<Record<string, number>>> = {
  sst2: { 'prefix-tuning': 91.2, 'prompt-tuning': 89.1, 'ltuning-prefix': 92.0, 'ltuning-prompt': 90.2 },
  rte: { 'prefix-tuning': 68.2, 'prompt-tuning': 66.1, 'ltuning-prefix': 70.1, 'ltuning-prompt': 68.2 },
};
export const PAPER_SOURCE =
  'Table 1 ("LMs", BERT row) of L-Tuning_paper.pdf in github.com/Kowsher/L-Tuning (commit 486c209; Kowsher et al., ICLR 2024 Tiny Papers, arXiv 2402.01643): BERT-base accuracy; the paper states no evaluation split, seeds or spread, and has no MRPC column';

const TITLES: Record<string, string> = { 'prefix-tuning': 'Prefix', 'ltuning-prefix': 'LT-Prefix', 'prompt-tuning': 'Prompt', 'ltuning-prompt': 'LT-Prompt' };
const ORDER = ['linear', 'prefix-tuning', 'ltuning-prefix', 'prompt-tuning', 'ltuning-prompt'];
/** The yardstick of issue 10's goal "LT-Prefix at least matches the linear probe" (not one of the paper's methods). */
const PROBE = 'linear';
const BASELINE: Record<string, string> = { 'ltuning-prefix': 'prefix-tuning', 'ltuning-prompt': 'prompt-tuning' };

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const pm = (xs: number[]) => (xs.length > 1 ? `${(100 * mean(xs)).toFixed(1)} ± ${(100 * sd(xs)).toFixed(1)}` : (100 * xs[0]).toFixed(1));
const sgn = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

/** Group key of a row: set, head and (L-Tuning heads) the label maps' lr multiplier. */
/** A set at one budget (training texts, epochs, batch, lr, evaluation texts): the page shows one table per budget. */
export const budgetKey = (r: Pick<Table1Row, 'set' | 'trainExamples' | 'epochs' | 'batch' | 'lr' | 'evalExamples'>) => `${r.set}@${r.trainExamples}x${r.epochs}x${r.batch}@lr${r.lr}@eval${r.evalExamples}`;
export const groupKey = (r: Pick<Table1Row, 'set' | 'head' | 'mapLrScale' | 'trainExamples' | 'epochs' | 'batch' | 'lr' | 'evalExamples' | 'probeEpochs'>) =>
  `${budgetKey(r)}/${r.head}/${r.mapLrScale ?? '-'}${r.probeEpochs ? `/${r.probeEpochs}ep` : ''}`;

/** Rows by group, the newest row winning for a repeated seed, sorted by seed. */
export function groups(rows: readonly Table1Row[]): Map<string, Table1Row[]> {
  const latest = new Map<string, Table1Row>();
  for (const r of rows) latest.set(`${groupKey(r)}/${r.seed}`, r);
  const out = new Map<string, Table1Row[]>();
  for (const r of latest.values()) out.set(groupKey(r), [...(out.get(groupKey(r)) ?? []), r]);
  for (const g of out.values()) g.sort((a, b) => a.seed - b.seed);
  return out;
}

/** Is this run a constant predictor (every evaluation example given one label)? */
export const isConstant = (r: Pick<Table1Row, 'predicted'>) => isConstantCounts(r.predicted);

/** Macro-F1 of the best constant predictor on these labels (one label for every example), in [0, 1]. */
export function constantMacroF1(evalLabels: readonly number[], L: number): number {
  return constantMacroF1OfCounts(predictedCounts(evalLabels, L));
}

/** Paired bootstrap of an L-Tuning group minus its baseline group on the seeds both ran (per-example mean correctness). */
export function ltMinusBaseline(lt: readonly Table1Row[], base: readonly Table1Row[]): { seeds: number[]; diff: number; lo: number; hi: number } | null {
  const seeds = lt.map((r) => r.seed).filter((s) => base.some((b) => b.seed === s));
  if (seeds.length === 0) return null;
  const pick = (g: readonly Table1Row[]) => meanCorrect(seeds.map((s) => g.find((r) => r.seed === s)!.correct));
  const iv = pairedBootstrap(pick(lt), pick(base));
  return { seeds, diff: iv.diff, lo: iv.lo, hi: iv.hi };
}

/** Does an L-Tuning variant beat its plain baseline? Only an interval wholly above 0 is a win. */
export function verdict(iv: { lo: number; hi: number } | null): string {
  if (!iv) return '—';
  if (iv.lo > 0) return 'yes (interval above 0)';
  if (iv.hi < 0) return 'no: below its baseline (interval under 0)';
  return 'not shown (interval contains 0)';
}

/** The probe's row title: the same texts, and its epochs when they differ from the table's. */
const probeTitle = (r: Pick<Table1Row, 'probeEpochs' | 'epochs'>) => `Linear probe, same texts, ${r.probeEpochs ?? r.epochs} epochs`;

/** Does LT-Prefix at least match the probe? Below only when the whole interval is under 0. */
export function probeVerdict(iv: { lo: number; hi: number } | null): string {
  if (!iv) return '—';
  if (iv.lo > 0) return 'yes: above the probe (interval above 0)';
  if (iv.hi < 0) return 'no: below the probe (interval under 0)';
  return 'not shown below it (interval contains 0)';
}

/** A summary table's budget cell: training texts, steps, and the evaluation texts the interval resamples. */
const budgetCell = (r: Table1Row) => `${r.trainExamples} texts, ${r.epochs * Math.ceil(r.trainExamples / r.batch)} steps; ${r.evalExamples} eval. texts`;

/** The Table 1 section body (markdown) from the rows. */
export function renderTable1(rows: readonly Table1Row[], titles: Record<string, string>): string {
  const g = groups(rows);
  // One table per budget, in the sets' order (titles), then by training texts, then by evaluation texts.
  const first = new Map<string, Table1Row>();
  for (const r of rows) if (!first.has(budgetKey(r))) first.set(budgetKey(r), r);
  const order = Object.keys(titles);
  const sets = [...first.values()]
    .sort((a, b) => order.indexOf(a.set) - order.indexOf(b.set) || a.trainExamples - b.trainExamples || a.evalExamples - b.evalExamples)
    .map(budgetKey);
  const out: string[] = [];
  const adapters = [...new Set(rows.map((r) => r.adapter))].join('; ');
  const summary: string[] = [];
  const vsProbe: string[] = [];
  out.push(`${rows.length} runs; adapter: ${adapters}. The paper's numbers: ${PAPER_SOURCE}.`, '');
  for (const set of sets) {
    const inSet = rows.filter((r) => budgetKey(r) === set);
    const r0 = inSet[0];
    const L = r0.labels.length;
    const cF1 = constantMacroF1(r0.evalLabels, L);
    const counts = r0.labels.map((_, c) => r0.evalLabels.filter((y) => y === c).length);
    out.push(
      `### ${titles[r0.set] ?? r0.set}: ${r0.trainExamples} training texts, ${r0.evalExamples} evaluation texts`,
      '',
      `Budget: ${r0.epochs} epochs x ${Math.ceil(r0.trainExamples / r0.batch)} steps of batch ${r0.batch} (${r0.epochs * Math.ceil(r0.trainExamples / r0.batch)} steps), lr ${r0.lr} for every method, ` +
        `Tmax ${r0.tmax}; kept epoch chosen on ${r0.selectionExamples} texts of the selection split; label texts ${r0.labelTexts.map((t) => `"${t}"`).join(' / ')}. ` +
        `Evaluation labels (${r0.labels.join(', ')}): ${counts.join(', ')}; a constant predictor's macro-F1 is at most ${(100 * cF1).toFixed(1)}.`,
      '',
      '| method (head) | label maps lr | paper, BERT-base acc. | seeds | accuracy | macro-F1 | constant-predictor seeds | predicted per label, per seed | LT minus plain, acc. points (paired bootstrap 95%) | LT beats plain? | trainable | commit(s) |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    const keys = [...g.keys()].filter((k) => k.startsWith(`${set}/`));
    keys.sort((a, b) => ORDER.indexOf(a.split('/')[1]) - ORDER.indexOf(b.split('/')[1]) || a.localeCompare(b));
    for (const k of keys) {
      const grp = g.get(k)!;
      const head = grp[0].head;
      const paper = PAPER_BERT_BASE[r0.set]?.[head];
      const base = BASELINE[head] ? g.get(`${set}/${BASELINE[head]}/-`) : undefined;
      const iv = base ? ltMinusBaseline(grp, base) : null;
      const consts = grp.filter(isConstant).length;
      if (iv)
        summary.push(
          `| ${titles[r0.set] ?? r0.set} | ${budgetCell(r0)} | ${TITLES[head]} - ${TITLES[BASELINE[head]]} | ${grp[0].mapLrScale ?? '—'} | ` +
            `${iv.seeds.join(', ')} | ${sgn(iv.diff)} [${sgn(iv.lo)}, ${sgn(iv.hi)}] | ${paper !== undefined && PAPER_BERT_BASE[r0.set]?.[BASELINE[head]] !== undefined ? sgn(paper - PAPER_BERT_BASE[r0.set]![BASELINE[head]]!) : '— (no paper number)'} | ${verdict(iv)} |`,
        );
      out.push(
        `| ${head === PROBE ? probeTitle(grp[0]) : (TITLES[head] ?? head)} (\`${head}\`) | ${grp[0].mapLrScale ?? '—'} | ${paper === undefined ? '—' : paper.toFixed(1)} | ${grp.map((r) => r.seed).join(', ')} | ` +
          `${pm(grp.map((r) => r.accuracy))} | ${pm(grp.map((r) => r.macroF1))} | ${consts} of ${grp.length} | ${grp.map((r) => `[${r.predicted.join(', ')}]`).join(' ')} | ` +
          `${iv ? `${sgn(iv.diff)} [${sgn(iv.lo)}, ${sgn(iv.hi)}] (seeds ${iv.seeds.join(', ')})` : '—'} | ${verdict(iv)} | ${grp[0].trainableParams.toLocaleString('en-US')} | ${[...new Set(grp.map((r) => r.commit))].join(', ')} |`,
      );
    }
    out.push('');
    for (const pk of keys.filter((k) => k.split('/')[1] === PROBE)) {
      const probe = g.get(pk)!;
      out.push(`${probeTitle(probe[0])}: decay (AdamW decoupled, chosen on the selection subset per seed) ${probe.map((r) => `seed ${r.seed} ${r.weightDecay ?? '?'}`).join(', ')}.`);
      for (const k of keys.filter((k) => k.split('/')[1] === 'ltuning-prefix')) {
        const iv = ltMinusBaseline(g.get(k)!, probe);
        if (iv)
          vsProbe.push(
            `| ${titles[r0.set] ?? r0.set} | ${budgetCell(r0)} | ${g.get(k)![0].mapLrScale ?? '—'} | ${probe[0].probeEpochs ?? r0.epochs} | ${iv.seeds.join(', ')} | ` +
              `${pm(g.get(k)!.filter((r) => iv.seeds.includes(r.seed)).map((r) => r.accuracy))} | ${pm(probe.filter((r) => iv.seeds.includes(r.seed)).map((r) => r.accuracy))} | ${sgn(iv.diff)} [${sgn(iv.lo)}, ${sgn(iv.hi)}] | ${probeVerdict(iv)} |`,
          );
      }
    }
    if (keys.some((k) => k.split('/')[1] === PROBE)) out.push('');
    const lt = keys.filter((k) => BASELINE[k.split('/')[1]]).map((k) => g.get(k)!);
    if (lt.length) {
      out.push(
        "How far the label reaches the classifier's input, per L-Tuning row (mean over its seeds): cos between the pooled vectors of the same text " +
          'under label 0 and label 1 (1 = the label changes nothing the classifier reads; float64 reference on the trained parameters, the first ' +
          'evaluation texts), and for LT-Prompt the prompt row G(h_y): its rms at init, the rms of its change over training, and the rms gap between the two labels\' rows.',
        '',
        '| method | label maps lr | seeds with the probe | pooled cos(label 0, label 1), init -> after | prompt row rms at init | prompt row moved (rms) | prompt rows\' label gap, init -> after |',
        '|---|---|---|---|---|---|---|',
      );
      for (const grp of lt) {
        const fx = grp.filter((r) => r.labelEffect);
        const p = grp.filter((r) => r.prompt).map((r) => r.prompt!);
        const f3 = (x: number) => x.toFixed(3);
        out.push(
          `| ${TITLES[grp[0].head]} | ${grp[0].mapLrScale} | ${fx.length ? `${fx.map((r) => r.seed).join(', ')} (${fx[0].labelEffect!.init.texts} texts)` : '— (rows from before the probe)'} | ` +
            `${fx.length ? `${f3(mean(fx.map((r) => r.labelEffect!.init.cos)))} -> ${f3(mean(fx.map((r) => r.labelEffect!.after.cos)))}` : '—'} | ` +
            (p.length
              ? `${f3(mean(p.map((x) => mean(x.rmsInit))))} | ${f3(mean(p.map((x) => mean(x.moved))))} | ${f3(mean(p.map((x) => x.labelGapInit)))} -> ${f3(mean(p.map((x) => x.labelGapAfter)))} |`
              : '— | — | — |'),
        );
      }
      out.push('');
    }
  }
  if (summary.length)
    out.push(
      '### Does each L-Tuning variant beat its plain baseline?',
      '',
      'Per table above: the paired bootstrap 95% interval of LT minus plain (accuracy points, evaluation texts resampled, per-text correctness averaged over the seeds both ran) beside the paper\'s BERT-base difference. A win needs the whole interval above 0.',
      '',
      '| set | budget | comparison | label maps lr | seeds | ours: LT minus plain [95%] | paper (BERT-base) | LT beats plain? |',
      '|---|---|---|---|---|---|---|---|',
      ...summary,
      '',
    );
  if (vsProbe.length)
    out.push(
      '### Does LT-Prefix at least match the linear probe on the same texts?',
      '',
      "The probe (`linear`) trains on the encoder's pooled vector of the same training texts (pairs: the main table's pair features) with the same batch and lr, for the table's epochs or (\"probe epochs\") more, its kept epoch and decay chosen on the same selection subset; scored on the same evaluation texts. Interval: paired bootstrap 95% of LT-Prefix minus the probe, as above.",
      '',
      '| set | budget | label maps lr | probe epochs | seeds | LT-Prefix acc. | probe acc. | LT-Prefix minus probe [95%] | LT-Prefix at least matches the probe? |',
      '|---|---|---|---|---|---|---|---|---|',
      ...vsProbe,
      '',
    );
  return out.join('\n');
}

const BEGIN = '<!-- table1:begin';
const END = '<!-- table1:end -->';

/** Replace the text between the Table 1 markers (the markers stay); a page without them is refused. */
export function replaceTable1Section(page: string, body: string): string {
  const a = page.indexOf(BEGIN);
  const b = page.indexOf(END);
  if (a < 0 || b < a) throw new Error('the page has no Table 1 markers (<!-- table1:begin ... --> ... <!-- table1:end -->): add them where the section goes');
  const open = page.indexOf('-->', a) + 3;
  return `${page.slice(0, open)}\n${body}\n${page.slice(b)}`;
}
