// Head outputs as a user sees them: per-row softmax probabilities over the labels, and the batch-prediction CSV
// (text(s), predicted label, p_<label> per label). Design decision: the CSV is RFC 4180 (every field that holds a
// comma, quote, CR or LF is quoted, quotes doubled) with a header row and CRLF line ends, so spreadsheets open it
// as is; a cell a spreadsheet would run as a formula (=, +, -, @ first) gets a leading ' (src/data/csv-writer);
// probabilities are written with 6 significant digits. Pure functions: no DOM, no GPU.

import { csvCell } from '../data/csv-writer';

/** Row-wise softmax of logits (B, L) -> probabilities (B, L), max-subtracted; a non-finite row gives NaN probabilities. */
export function softmaxRows(logits: ArrayLike<number>, B: number, L: number): Float32Array {
  if (logits.length < B * L) throw new Error(`softmaxRows: ${logits.length} logits, (B ${B}, L ${L}) needs ${B * L}`);
  const out = new Float32Array(B * L);
  for (let b = 0; b < B; b++) {
    let max = -Infinity;
    for (let l = 0; l < L; l++) max = Math.max(max, logits[b * L + l]);
    let sum = 0;
    for (let l = 0; l < L; l++) sum += Math.exp(logits[b * L + l] - max);
    for (let l = 0; l < L; l++) out[b * L + l] = Math.exp(logits[b * L + l] - max) / sum;
  }
  return out;
}

/** One CSV field: the program's one writer (src/data/csv-writer: RFC 4180 quoting, formula cells escaped). */
export const csvField = csvCell;

export interface PredictionRow {
  text: string;
  textPair?: string;
}

/** Column names of the prediction CSV: the text column(s), "predicted", then p_<label> per label. */
export function predictionHeader(labels: readonly string[], pair: boolean): string[] {
  return [...(pair ? ['text', 'text_pair'] : ['text']), 'predicted', ...labels.map((l) => `p_${l}`)];
}

/** The prediction CSV: header, then per row its text(s), the argmax label and p_<label> for every label. */
export function predictionCsv(rows: readonly PredictionRow[], labels: readonly string[], probs: ArrayLike<number>): string {
  const L = labels.length;
  if (L < 1) throw new Error('predictionCsv: no labels');
  if (probs.length !== rows.length * L) throw new Error(`predictionCsv: ${probs.length} probabilities for ${rows.length} rows x ${L} labels`);
  const pair = rows.some((r) => r.textPair !== undefined);
  const lines = [predictionHeader(labels, pair).map(csvField).join(',')];
  rows.forEach((r, i) => {
    let best = 0;
    for (let l = 1; l < L; l++) if (probs[i * L + l] > probs[i * L + best]) best = l;
    const p = Array.from({ length: L }, (_, l) => formatProbability(probs[i * L + l]));
    const texts = pair ? [r.text, r.textPair ?? ''] : [r.text];
    lines.push([...texts, labels[best], ...p].map(csvField).join(','));
  });
  return lines.join('\r\n') + '\r\n';
}

/** 6 significant digits, no exponent for ordinary values ("0.973214", "1", "0.000012"). */
export function formatProbability(p: number): string {
  if (!Number.isFinite(p)) return 'NaN';
  return String(Number(p.toPrecision(6)));
}
