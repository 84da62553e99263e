// Which columns of a dropped file hold the texts to predict (batch prediction). Design decision: a file to
// predict may have no label column at all, so this does not need one: it uses the data module's own guess when
// the file has a label-like column, else the texty columns (non-numeric, longest on average, a named partner
// for pairs); the user can always change the choice in the panel. A column holding only the head's labels is
// read as gold labels (accuracy and a `correct` column, as `labeltune predict` does).
import { columnStats, guessColumns, pairNames } from '../data/columns';
import { DataError } from '../data/errors';
import { detectLabelSep, splitLabelCell } from '../data/multi-label';
import type { ParsedTable } from '../data/types';

export interface PredictColumns {
  text: string;
  /** Second text column, for heads that read sentence pairs. */
  textPair?: string;
  /** A column of gold labels (every value one of the head's labels): accuracy and a `correct` column. */
  label?: string;
}

/** The first column (not a text column) whose every non-empty value is one of `labels`, if any. */
export function labelColumn(table: ParsedTable, labels: readonly string[], texts: readonly string[]): string | undefined {
  const known = new Set(labels);
  return table.columns.find((name, j) => {
    if (texts.includes(name)) return false;
    let seen = 0;
    for (const row of table.rows) {
      const v = (row[j] ?? '').trim();
      if (v === '') continue;
      if (!known.has(v)) return false;
      seen++;
    }
    return seen > 0;
  });
}

/**
 * The first column (not a text column) that lists several of `labels` per row (a JSON array or a delimited list;
 * every piece one of the labels, at least one row with two): the column and its first such row (1-based line).
 * Batch prediction says so when the head predicts one label per row, instead of silently not scoring it.
 */
export function labelListColumn(table: ParsedTable, labels: readonly string[], texts: readonly string[]): { column: string; line: number; cell: string } | undefined {
  const known = new Set(labels);
  for (const [j, name] of table.columns.entries()) {
    if (texts.includes(name)) continue;
    const cells = table.rows.map((r) => (r[j] ?? '').trim());
    const sep = detectLabelSep(cells, labels);
    if (sep === null) continue;
    const lists = cells.map((c) => (c === '' ? [] : splitLabelCell(c, sep)));
    if (!lists.every((l) => l.every((x) => known.has(x)))) continue;
    const i = lists.findIndex((l) => l.length > 1);
    if (i >= 0) return { column: name, line: table.lines[i], cell: cells[i] };
  }
  return undefined;
}

/** Default text column(s) for predicting with a single-text (`pair` false) or pair head. */
export function predictColumns(table: ParsedTable, pair: boolean): PredictColumns {
  if (table.columns.length === 0) throw new DataError('no-text-column', 'The file has no columns to read texts from.');
  if (pair && table.columns.length < 2) {
    throw new DataError('no-text-column', `This head reads sentence pairs, but the file has one column ('${table.columns[0]}'): give it two text columns.`);
  }
  try {
    const g = guessColumns(table);
    if (!pair) return { text: g.text };
    if (g.textPair) return { text: g.text, textPair: g.textPair };
  } catch {
    // No label-like column: fall through to the text columns alone.
  }
  const stats = columnStats(table);
  const texty = stats.filter((s) => s.filled > 0 && s.numeric < 0.5);
  const pool = texty.length > 0 ? texty : stats;
  if (!pair) return { text: pool.reduce((a, b) => (b.meanLength > a.meanLength ? b : a)).name };
  for (const [i, a] of pool.entries()) {
    const partner = pool.slice(i + 1).find((b) => pairNames(a.name, b.name));
    if (partner) return { text: a.name, textPair: partner.name };
  }
  // The two longest texty columns, in file order.
  const two = [...pool].sort((a, b) => b.meanLength - a.meanLength).slice(0, 2);
  const [x, y] = two.length === 2 ? two : [stats[0], stats[1]];
  return table.columns.indexOf(x.name) < table.columns.indexOf(y.name) ? { text: x.name, textPair: y.name } : { text: y.name, textPair: x.name };
}

export interface PredictInputs {
  /** Texts of the usable rows, trimmed as training reads them (data/dataset.ts), with the gold label if chosen. */
  inputs: { text: string; textPair?: string; gold?: string }[];
  /** 1-based file line of each input. */
  lines: number[];
  /** Lines of rows left out because a text column is empty there. */
  emptyLines: number[];
}

/** The trimmed texts of the chosen columns; rows with an empty text are left out and their lines reported. */
export function predictInputs(table: ParsedTable, cols: PredictColumns): PredictInputs {
  const ti = table.columns.indexOf(cols.text);
  if (ti < 0) throw new DataError('unknown-column', `The file has no column '${cols.text}' (columns: ${table.columns.join(', ')}).`);
  const pi = cols.textPair === undefined ? -1 : table.columns.indexOf(cols.textPair);
  if (cols.textPair !== undefined && pi < 0) throw new DataError('unknown-column', `The file has no column '${cols.textPair}' (columns: ${table.columns.join(', ')}).`);
  const gi = cols.label === undefined ? -1 : table.columns.indexOf(cols.label);
  if (cols.label !== undefined && gi < 0) throw new DataError('unknown-column', `The file has no column '${cols.label}' (columns: ${table.columns.join(', ')}).`);
  const out: PredictInputs = { inputs: [], lines: [], emptyLines: [] };
  table.rows.forEach((r, i) => {
    const text = (r[ti] ?? '').trim();
    const pair = pi < 0 ? undefined : (r[pi] ?? '').trim();
    if (text === '' || pair === '') {
      out.emptyLines.push(table.lines[i]);
      return;
    }
    const gold = gi < 0 ? undefined : (r[gi] ?? '').trim() || undefined;
    out.inputs.push({ text, ...(pair === undefined ? {} : { textPair: pair }), ...(gold === undefined ? {} : { gold }) });
    out.lines.push(table.lines[i]);
  });
  if (out.inputs.length === 0) {
    throw new DataError('no-examples', `Every row has an empty text in column '${cols.textPair !== undefined && ti >= 0 ? `${cols.text}' or '${cols.textPair}` : cols.text}': pick the column that holds the texts.`);
  }
  return out;
}
