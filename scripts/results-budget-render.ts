// The equal-budget section of docs/RESULTS.md, rendered from docs/results/budget.jsonl (results-budget.ts):
// per set, one row per head with accuracy (mean ± sd over seeds), macro-F1, the paired bootstrap 95% interval of
// its accuracy minus the linear probe's, and its accuracy as % of full fine-tuning's, plus the issue's goal line
// (fine-tuning >= 2 points above the probe).
// Design decision: pure functions of the rows (no file access), so the unit tier checks what the page claims.
import { meanCorrect, pairedBootstrap, percentOfFinetune } from './results-stats';

/** The fields of a budget row this renderer reads (results-budget.ts BudgetRow). */
export interface BudgetRowView {
  set: string;
  head: string;
  seed: number;
  accuracy: number;
  macroF1: number;
  correct: string;
  trainExamples: number;
  evalExamples: number;
  epochs: number;
  lr: number;
  tmax: number;
  trainableParams: number;
  trainSeconds: number;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);

/** The newest row wins for a (set, head, seed) run twice. */
export function latestRows<R extends BudgetRowView>(rows: readonly R[]): R[] {
  const m = new Map<string, R>();
  for (const r of rows) m.set(`${r.set}/${r.head}/${r.seed}`, r);
  return [...m.values()];
}

/** Mean ± sd over seeds in points; one seed has no spread to show, so only its value. */
function pm(xs: number[]): string {
  return xs.length > 1 ? `${(100 * mean(xs)).toFixed(1)} ± ${(100 * sd(xs)).toFixed(1)}` : (100 * xs[0]).toFixed(1);
}

function fmtParams(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n);
}

/** Heads of a set in a fixed order: the given order first, then any other head with rows. */
function headsOf(rows: readonly BudgetRowView[], set: string, order: readonly string[]): string[] {
  const present = new Set(rows.filter((r) => r.set === set).map((r) => r.head));
  return [...order.filter((h) => present.has(h)), ...[...present].filter((h) => !order.includes(h)).sort()];
}

/** One markdown table per set. `titles` maps set ids to display names. */
export function renderBudgetTables(all: readonly BudgetRowView[], sets: readonly string[], titles: Record<string, string>, order: readonly string[]): string {
  const rows = latestRows(all);
  const out: string[] = [];
  for (const s of sets) {
    const here = rows.filter((r) => r.set === s);
    if (!here.length) continue;
    const of = (h: string) => here.filter((r) => r.head === h);
    const probe = of('linear');
    const ft = of('finetune');
    const ftAcc = ft.length ? mean(ft.map((r) => r.accuracy)) : null;
    const first = here[0];
    out.push(`### ${titles[s] ?? s}: ${first.trainExamples} training examples, Tmax ${first.tmax}, ${first.evalExamples} evaluation examples`, '');
    out.push('| head | trainable | seeds | accuracy | macro-F1 | vs linear (95% CI) | % of full fine-tuning | epochs, lr | train s |', '|---|---|---|---|---|---|---|---|---|');
    for (const h of headsOf(here, s, order)) {
      const r = of(h);
      const acc = r.map((x) => x.accuracy);
      let vs = '—';
      if (h !== 'linear' && probe.length) {
        const ci = pairedBootstrap(meanCorrect(r.map((x) => x.correct)), meanCorrect(probe.map((x) => x.correct)));
        vs = `${ci.diff >= 0 ? '+' : ''}${ci.diff.toFixed(1)} [${ci.lo.toFixed(1)}, ${ci.hi.toFixed(1)}]`;
      }
      const pct = percentOfFinetune(mean(acc), ftAcc);
      out.push(
        `| ${h} | ${fmtParams(r[0].trainableParams)} | ${r.map((x) => x.seed).sort((a, b) => a - b).join(',')} | ${pm(acc)} | ${pm(r.map((x) => x.macroF1))} | ${vs} | ${pct === null ? '—' : pct.toFixed(1)} | ${r[0].epochs}, ${r[0].lr} | ${mean(r.map((x) => x.trainSeconds)).toFixed(0)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

/** The goal: fine-tuning >= 2 points above the probe on at least 3 of the 5 sets, checked on the means. */
export function renderBudgetGoal(all: readonly BudgetRowView[], sets: readonly string[], titles: Record<string, string>): string {
  const rows = latestRows(all);
  const lines: string[] = [];
  let met = 0;
  let judged = 0;
  for (const s of sets) {
    const ft = rows.filter((r) => r.set === s && r.head === 'finetune');
    const lin = rows.filter((r) => r.set === s && r.head === 'linear');
    if (!ft.length || !lin.length) {
      lines.push(`- ${titles[s] ?? s}: not run`);
      continue;
    }
    judged++;
    const ci = pairedBootstrap(meanCorrect(ft.map((x) => x.correct)), meanCorrect(lin.map((x) => x.correct)));
    const ok = ci.diff >= 2;
    if (ok) met++;
    lines.push(`- ${titles[s] ?? s}: finetune ${ci.diff >= 0 ? '+' : ''}${ci.diff.toFixed(1)} points vs linear (95% CI ${ci.lo.toFixed(1)} to ${ci.hi.toFixed(1)}): ${ok ? 'meets' : 'does not meet'} the +2 goal`);
  }
  lines.push(`- Goal (>= +2 points on at least 3 of 5 sets): ${met} of ${judged} sets run meet it — ${met >= 3 ? 'met' : 'NOT met'}${judged < sets.length ? ` (${sets.length - judged} set(s) not run)` : ''}.`);
  return lines.join('\n');
}

export const BUDGET_BEGIN = '<!-- budget:begin (written by `npm run results:budget -- --render` from docs/results/budget.jsonl) -->';
export const BUDGET_END = '<!-- budget:end -->';

/** The page with the text between the budget markers replaced (the markers kept); an error if they are missing. */
export function replaceBudgetSection(page: string, body: string): string {
  const a = page.indexOf(BUDGET_BEGIN);
  const b = page.indexOf(BUDGET_END);
  if (a < 0 || b < a) throw new Error('the page has no budget markers (see docs/RESULTS.template.md, section "Equal budget")');
  return page.slice(0, a + BUDGET_BEGIN.length) + '\n' + body.trim() + '\n' + page.slice(b);
}
