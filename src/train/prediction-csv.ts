// The prediction CSV, written the same way by the studio's batch prediction and `labeltune predict`: the input's
// text column(s) under their own names, its label column when it has one, `predicted`, a `p_<label>` probability
// per label (after `predicted_text` when the head has label texts), and with a label column a `correct` column.
// Design decision: one writer for both, the program's CSV writer (src/data/csv-writer: RFC 4180 quoting, formula
// cells escaped against CSV injection, '\n' line ends), probabilities as fixed 6-decimal numbers. A multi-label
// head's `predicted` is a JSON array of label names (a cell the data module reads back as a label list).
import { toCsv } from '../data/csv-writer';
import { argmaxRows } from './inference';

/** Names of the input's columns: the text, the second text (pairs) and the gold label (null when absent). */
export interface PredictionColumns {
  text: string;
  textPair: string | null;
  label: string | null;
}

export interface PredictionRow {
  text: string;
  textPair?: string;
  /** The row's label in the input file, when it has a label column. */
  gold?: string;
}

/** How many rows with a gold label were predicted right (rows without one are not counted). */
export function predictionAccuracy(rows: readonly PredictionRow[], labels: readonly string[], probs: ArrayLike<number>): { correct: number; total: number } {
  const best = argmaxRows(probs, labels.length);
  let correct = 0;
  let total = 0;
  rows.forEach((r, i) => {
    if (!r.gold) return;
    total++;
    if (labels[best[i]] === r.gold) correct++;
  });
  return { correct, total };
}

/**
 * The CSV text (header + one line per row, '\n' line ends, a final newline). With label texts that differ from
 * the names (the head was trained with descriptions), a `predicted_text` column follows `predicted`.
 */
export function predictionsCsv(
  names: PredictionColumns,
  rows: readonly PredictionRow[],
  labels: readonly string[],
  probs: ArrayLike<number>,
  labelTexts?: readonly string[],
  /** Multi-label heads: each row's predicted label ids; `predicted` is then a JSON array of names (no predicted_text, no correct). */
  sets?: readonly (readonly number[])[],
): string {
  const L = labels.length;
  if (L < 1) throw new Error('predictionsCsv: no labels');
  if (probs.length !== rows.length * L) throw new Error(`predictionsCsv: ${probs.length} probabilities for ${rows.length} rows x ${L} labels`);
  const best = argmaxRows(probs, L);
  if (sets) {
    if (sets.length !== rows.length) throw new Error(`predictionsCsv: ${sets.length} label sets for ${rows.length} rows`);
    const fields = [names.text, ...(names.textPair !== null ? [names.textPair] : []), 'predicted', ...labels.map((l) => `p_${l}`)];
    return toCsv(fields, rows.map((r, i) => [r.text, ...(names.textPair !== null ? [r.textPair ?? ''] : []), JSON.stringify(sets[i].map((k) => labels[k])), ...labels.map((_, l) => formatProbability(probs[i * L + l]))]));
  }
  const gold = names.label !== null;
  const texts = labelTexts && labelTexts.length === L && labelTexts.some((t, l) => t !== labels[l]) ? labelTexts : null;
  const fields = [names.text, ...(names.textPair !== null ? [names.textPair] : []), ...(gold ? [names.label!] : []), 'predicted', ...(texts ? ['predicted_text'] : []), ...labels.map((l) => `p_${l}`), ...(gold ? ['correct'] : [])];
  const data = rows.map((r, i) => [
    r.text,
    ...(names.textPair !== null ? [r.textPair ?? ''] : []),
    ...(gold ? [r.gold ?? ''] : []),
    labels[best[i]],
    ...(texts ? [texts[best[i]]] : []),
    ...labels.map((_, l) => formatProbability(probs[i * L + l])),
    ...(gold ? [r.gold ? String(r.gold === labels[best[i]]) : ''] : []),
  ]);
  return toCsv(fields, data);
}

/** A probability with 6 decimals ("0.973214"); "NaN" for a non-finite value. */
export function formatProbability(p: number): string {
  return Number.isFinite(p) ? p.toFixed(6) : 'NaN';
}
