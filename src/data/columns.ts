// Which columns hold the text, the optional second text of a pair, and the label — a default the user can
// override. Design decision: the label column is chosen first, by name (label, class, quality...) and else as
// the column of fewest distinct short values; the text column is then the first "texty" remaining one (mostly
// distinct, 15+ characters on average, not numeric), and a sentence-pair task is guessed from partner names
// (sentence1/sentence2, premise/hypothesis, MRPC's '#1 String'/'#2 String') or from a second texty column.

import { DataError, fmtCount } from './errors';
import { isNumeric } from './header';
import type { DatasetColumns, ParsedTable } from './types';
import { MAX_LABELS } from '../util/limits';

/** Most distinct labels a dataset may have (src/util/limits.ts); more means the column is text or ids. */
export { MAX_LABELS };

const LABEL_NAMES = ['label', 'labels', 'class', 'category', 'target', 'sentiment', 'intent', 'topic', 'tag', 'gold_label', 'quality', 'y'];

const STATS_ROWS = 5000;

export interface ColumnStats {
  name: string;
  /** Distinct non-empty values among the rows looked at. */
  distinct: number;
  /** Non-empty values looked at. */
  filled: number;
  /** Share of non-empty values that are numbers. */
  numeric: number;
  /** Mean length of the non-empty values. */
  meanLength: number;
}

/** Per-column statistics over the first 5,000 rows. */
export function columnStats(table: ParsedTable): ColumnStats[] {
  const n = Math.min(table.rows.length, STATS_ROWS);
  return table.columns.map((name, j) => {
    const seen = new Set<string>();
    let filled = 0;
    let numeric = 0;
    let length = 0;
    for (let i = 0; i < n; i++) {
      const v = table.rows[i][j].trim();
      if (v === '') continue;
      filled++;
      seen.add(v);
      length += v.length;
      if (isNumeric(v)) numeric++;
    }
    return { name, distinct: seen.size, filled, numeric: filled ? numeric / filled : 0, meanLength: filled ? length / filled : 0 };
  });
}

/** Too many distinct values for a label column: more than MAX_LABELS, or (50+ rows) more than half the rows. */
export function tooManyLabels(distinct: number, rows: number): boolean {
  return distinct > MAX_LABELS || (rows >= 50 && distinct > 0.5 * rows);
}

function describe(s: ColumnStats): string {
  return `'${s.name}' (${fmtCount(s.distinct)} distinct values${s.meanLength ? `, ${Math.round(s.meanLength)} characters on average` : ''})`;
}

function describeAll(stats: readonly ColumnStats[]): string {
  const shown = stats.slice(0, 10).map(describe).join(', ');
  return stats.length > 10 ? `${shown} and ${fmtCount(stats.length - 10)} more columns` : shown;
}

function labelCandidate(s: ColumnStats, minDistinct: number): boolean {
  return s.filled > 0 && s.distinct >= minDistinct && !tooManyLabels(s.distinct, s.filled) && s.meanLength <= 40;
}

/** Column-name pairs of sentence-pair tasks, lower case. */
const PAIR_NAMES: [string, string][] = [
  ['premise', 'hypothesis'],
  ['question', 'sentence'],
  ['question', 'answer'],
  ['question', 'passage'],
  ['query', 'passage'],
  ['query', 'document'],
  ['title', 'body'],
];

/** sentence1/sentence2, text_a/text_b, '#1 String'/'#2 String', premise/hypothesis... */
export function pairNames(a: string, b: string): boolean {
  const x = a.trim().toLowerCase();
  const y = b.trim().toLowerCase();
  if (PAIR_NAMES.some(([p, q]) => p === x && q === y)) return true;
  if (x.replace('1', '#') === y.replace('2', '#') && x !== y) return true;
  return /(_|-| )?a$/.test(x) && /(_|-| )?b$/.test(y) && x.slice(0, -1) === y.slice(0, -1) && x.length > 1;
}

/**
 * Default columns for a table; `fixed` holds the ones the user already chose (they are taken as given, and
 * checked by the caller). Throws 'no-label-column' or 'no-text-column' when none fits a role still open.
 */
export function guessColumns(table: ParsedTable, fixed: { text?: string; label?: string } = {}): DatasetColumns {
  const stats = columnStats(table);
  let label = fixed.label !== undefined ? stats.find((s) => s.name === fixed.label) : undefined;
  if (!label && fixed.label === undefined) {
    // By name (one distinct value is allowed here, so a one-class file gets its own, clearer error later);
    // else the column of fewest distinct short values, ties to the later column.
    label = stats.find((s) => LABEL_NAMES.includes(s.name.trim().toLowerCase()) && labelCandidate(s, 1));
    if (!label) for (const s of stats) if (labelCandidate(s, 2) && (!label || s.distinct <= label.distinct)) label = s;
  }
  if (!label) {
    throw new DataError(
      'no-label-column',
      `No column looks like labels (2 to ${fmtCount(MAX_LABELS)} distinct short values): ${describeAll(stats)}. ` +
        'Add a label column, or pick one yourself (--label COLUMN).',
    );
  }
  const rest = stats.filter((s) => s !== label && s.filled > 0 && s.numeric < 0.5);
  const texty = rest.filter((s) => s.meanLength >= 15 && s.distinct >= 0.5 * s.filled);
  let text = fixed.text !== undefined ? stats.find((s) => s.name === fixed.text) : undefined;
  if (!text && fixed.text === undefined) {
    if (rest.length === 0) {
      throw new DataError('no-text-column', `No column besides the label column '${label.name}' holds text: ${describeAll(stats)}. Add a text column, or pick one yourself (--text COLUMN).`);
    }
    const partnered = rest.find((a, i) => rest.slice(i + 1).some((b) => pairNames(a.name, b.name)));
    text = partnered ?? texty[0] ?? rest.reduce((a, b) => (b.meanLength > a.meanLength ? b : a));
  }
  const textName = text?.name ?? fixed.text!;
  // A pair: a later column named as the text column's partner, or else two texty columns, text the first.
  const after = rest.slice(rest.findIndex((s) => s === text) + 1);
  const pair = text ? (after.find((s) => pairNames(text.name, s.name)) ?? (texty[0] === text && texty.length >= 2 ? texty[1] : undefined)) : undefined;
  return pair ? { text: textName, textPair: pair.name, label: label.name } : { text: textName, label: label.name };
}
