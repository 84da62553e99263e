// Which columns hold the text, the optional second text of a pair, and the label — a default the user can
// override. Design decision: the label column is chosen first, by name (label, class, quality...) and else as
// the column of fewest distinct short values; the text columns are then the "texty" remaining ones (mostly
// distinct, not numeric) in column order, and two of them make a sentence-pair task (RTE's sentence1 and
// sentence2, MRPC's #1 String and #2 String).

import { DataError, fmtCount } from './errors';
import { isNumeric } from './header';
import type { DatasetColumns, ParsedTable } from './types';

/** Most distinct labels a dataset may have; more means the column is text or ids. */
export const MAX_LABELS = 1000;

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

function labelCandidate(s: ColumnStats): boolean {
  return s.filled > 0 && s.distinct >= 2 && !tooManyLabels(s.distinct, s.filled) && s.meanLength <= 40;
}

/**
 * Default columns for a table; `fixed` holds the ones the user already chose (they are taken as given, and
 * checked by the caller). Throws 'no-label-column' or 'no-text-column' when none fits a role still open.
 */
export function guessColumns(table: ParsedTable, fixed: { text?: string; label?: string } = {}): DatasetColumns {
  const stats = columnStats(table);
  let label = fixed.label !== undefined ? stats.find((s) => s.name === fixed.label) : undefined;
  if (!label && fixed.label === undefined) {
    label = stats.find((s) => LABEL_NAMES.includes(s.name.trim().toLowerCase()) && labelCandidate(s));
    if (!label) for (const s of stats) if (labelCandidate(s) && (!label || s.distinct <= label.distinct)) label = s; // ties: the later column
  }
  if (!label) {
    throw new DataError(
      'no-label-column',
      `No column looks like labels (2 to ${fmtCount(MAX_LABELS)} distinct short values): ${stats.map(describe).join(', ')}. ` +
        'Add a label column, or pick one yourself (--label COLUMN).',
    );
  }
  const rest = stats.filter((s) => s !== label && s.filled > 0 && s.numeric < 0.5);
  const texty = rest.filter((s) => s.meanLength >= 15 && s.distinct >= 0.5 * s.filled);
  let text = fixed.text !== undefined ? stats.find((s) => s.name === fixed.text) : undefined;
  if (!text && fixed.text === undefined) {
    if (rest.length === 0) {
      throw new DataError('no-text-column', `No column besides the label column '${label.name}' holds text: ${stats.map(describe).join(', ')}. Add a text column, or pick one yourself (--text COLUMN).`);
    }
    text = texty[0] ?? rest.reduce((a, b) => (b.meanLength > a.meanLength ? b : a));
  }
  const textName = text?.name ?? fixed.text!;
  // A pair: the text column is the first texty column and another one follows it.
  const pair = texty[0] === text && texty.length >= 2 ? texty[1] : undefined;
  return pair ? { text: textName, textPair: pair.name, label: label.name } : { text: textName, label: label.name };
}
