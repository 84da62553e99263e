// Plain-text tables for the labeltune command's human output: per-class precision/recall/F1, the confusion matrix
// and the several-heads comparison. Design decision: pure functions from numbers to lines (tested on their own);
// columns are padded to their widest cell, numbers right-aligned, names left-aligned, percentages with 2 decimals.
// Names come from files (labels, column names, encoder names): every cell and every error line goes through
// printable(), so a label cannot carry escape sequences to the terminal.
import type { Metrics } from '../train/metrics';

/** Control characters (C0, DEL, C1), line/paragraph separators and bidi overrides/isolates. */
const UNPRINTABLE = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `s` with every control character written as a visible escape (\x1b, \n, \u202e): safe to print. */
export function printable(s: string): string {
  return s.replace(UNPRINTABLE, (c) => {
    const code = c.charCodeAt(0);
    return NAMED[c] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** A table with a header row and a rule; `right[j]` right-aligns column j. */
export function textTable(rawHeader: readonly string[], rawRows: readonly (readonly string[])[], right: readonly boolean[] = []): string[] {
  const header = rawHeader.map(printable);
  const rows = rawRows.map((r) => r.map(printable));
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, j) => (right[j] ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

export const pct = (x: number) => `${(x * 100).toFixed(2)}`;

/** At most this many per-class rows are printed (--json has every class). */
export const MAX_CLASS_ROWS = 50;
/** The confusion matrix is printed for at most this many labels; beyond, the most frequent confusions. */
export const MAX_MATRIX_LABELS = 20;
/** The longest error line printed (a name or list from a file can be megabytes). */
export const MAX_LINE = 1000;

const count = (n: number) => n.toLocaleString('en-US');

/** One line cut to MAX_LINE characters, saying how much was left out. */
export function clipLine(s: string, max = MAX_LINE): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${count(s.length - max)} more characters)`;
}

/** Per-class precision / recall / F1 / support, one row per label (the first MAX_CLASS_ROWS, then a count). */
export function perClassTable(labels: readonly string[], m: Metrics): string[] {
  const rows = labels.slice(0, MAX_CLASS_ROWS).map((name, k) => {
    const c = m.perClass[k];
    return [clipLine(name, 60), pct(c.precision), pct(c.recall), pct(c.f1), String(c.support)];
  });
  const table = textTable(['label', 'precision', 'recall', 'F1', 'support'], rows, [false, true, true, true, true]);
  return labels.length > MAX_CLASS_ROWS ? [...table, `... and ${count(labels.length - MAX_CLASS_ROWS)} more labels (--json lists every one)`] : table;
}

/**
 * The confusion matrix: rows are true labels, columns predicted labels. Beyond MAX_MATRIX_LABELS labels, the 20
 * most frequent confusions (true, predicted, count) instead.
 */
export function confusionTable(labels: readonly string[], m: Metrics): string[] {
  if (labels.length <= MAX_MATRIX_LABELS) {
    const rows = labels.map((name, t) => [name, ...m.confusion[t].map(String)]);
    return textTable(['true \\ predicted', ...labels], rows, [false, ...labels.map(() => true)]);
  }
  const top: [number, number, number][] = [];
  const TOP = 20;
  for (let t = 0; t < labels.length; t++) {
    const row = m.confusion[t];
    for (let p = 0; p < row.length; p++) {
      const n = row[p];
      if (p === t || n === 0) continue;
      if (top.length === TOP && n <= top[TOP - 1][2]) continue;
      top.push([t, p, n]);
      top.sort((a, b) => b[2] - a[2] || a[0] - b[0] || a[1] - b[1]);
      if (top.length > TOP) top.pop();
    }
  }
  const head = `confusion matrix of ${count(labels.length)} labels not shown; the ${TOP} most frequent confusions:`;
  if (top.length === 0) return [head, '(none: every example was predicted correctly)'];
  return [head, ...textTable(['true', 'predicted', 'count'], top.map(([t, p, n]) => [clipLine(labels[t], 60), clipLine(labels[p], 60), String(n)]), [false, false, true])];
}

/** Accuracy, macro-F1, the per-class table and the confusion matrix, as printed by `eval`. */
export function metricsReport(labels: readonly string[], m: Metrics): string[] {
  return [
    `accuracy ${pct(m.accuracy)}%  macro-F1 ${pct(m.macroF1)}  (${m.n} examples, ${labels.length} labels)`,
    '',
    ...perClassTable(labels, m),
    '',
    ...confusionTable(labels, m),
  ];
}

export interface RunSummary {
  /** The label column trained on (several tasks) or '' (one task). */
  task: string;
  head: string;
  accuracy: number;
  macroF1: number;
  loss: number;
  bestEpoch: number | null;
  trainSeconds: number;
  out: string | null;
}

/** The comparison of several heads (and/or label columns) trained over the same encoded texts. */
export function comparisonTable(runs: readonly RunSummary[]): string[] {
  const tasks = runs.some((r) => r.task !== '');
  const files = runs.some((r) => r.out !== null);
  const best = new Map<string, number>();
  for (const r of runs) best.set(r.task, Math.max(best.get(r.task) ?? -Infinity, r.accuracy));
  const rows = runs.map((r) => [
    ...(tasks ? [r.task] : []),
    r.head,
    `${pct(r.accuracy)}${r.accuracy === best.get(r.task) ? ' *' : '  '}`,
    pct(r.macroF1),
    r.loss.toFixed(4),
    r.bestEpoch === null ? '-' : String(r.bestEpoch),
    r.trainSeconds.toFixed(2),
    ...(files ? [r.out ?? ''] : []),
  ]);
  const header = [...(tasks ? ['label column'] : []), 'head', 'dev acc %', 'macro-F1', 'dev loss', 'best epoch', 'train s', ...(files ? ['file'] : [])];
  const right = [...(tasks ? [false] : []), false, true, true, true, true, true, ...(files ? [false] : [])];
  return [...textTable(header, rows, right), `(* best dev accuracy${tasks ? ' per label column' : ''})`];
}
