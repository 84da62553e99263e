// `labeltune predict --head-file head.safetensors --data FILE [--out preds.csv]`: a trained head's predictions as
// CSV — the input text(s), the predicted label (multi-label heads: a JSON list of labels) and one calibrated
// probability column per label (`p_<label>`); when the file
// has a label column (named with --label, or detected: a column whose every value is one of the head's labels)
// its value, a `correct` column and the accuracy are added. Design decision: the file needs no label column, so it
// is read as a plain table (not a Dataset), and the CSV is the studio's (src/train/prediction-csv.ts, written by
// src/data/csv-writer: RFC 4180 quoting, formula cells escaped); rows with an empty text are skipped with a warning naming lines.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { columnStats, DataError, guessColumns, listLines, listNames, type ParsedTable } from '../data';
import { numFlag, readTable, UsageError } from './args';
import { inferLogits, openEncoder, type TextInput } from './encoding';
import { headColumns } from './eval-cmd';
import { withGpu } from './gpu-session';
import { loadHead, peekHeadFile, type PeekedHead } from './head-file';
import { headProbabilities, predictedSets } from '../train/head-probs';
import { predictionAccuracy, predictionsCsv } from '../train/prediction-csv';

export const PREDICT_USAGE = `  labeltune predict --head-file head.safetensors --data FILE [--text COL] [--text-pair COL] [--label COL]
                 [--out preds.csv] [--model default|DIR] [--batch N] [--no-cache]
      CSV out (stdout by default): the text column(s), predicted, p_<label> per label; with a label column in
      the input also that column and "correct" (accuracy on stderr, or on stdout with --out).`;

export interface PredictColumns {
  text: number;
  textPair: number | null;
  label: number | null;
}

function column(table: ParsedTable, name: string, flag: string, role: string): number {
  const j = table.columns.indexOf(name);
  if (j >= 0) return j;
  const near = table.columns.find((c) => c.toLowerCase() === name.toLowerCase());
  throw new DataError(
    'unknown-column',
    `The ${role} column '${name}' is not in the file. Its columns are ${listNames(table.columns, 20)}.${near ? ` Did you mean '${near}'?` : ''} Pick one of them (${flag} COLUMN).`,
  );
}

/** True when every non-empty value of column j is one of the labels (and there is at least one). */
function holdsLabels(table: ParsedTable, j: number, labels: ReadonlySet<string>): boolean {
  let seen = 0;
  for (const row of table.rows) {
    const v = row[j].trim();
    if (v === '') continue;
    if (!labels.has(v)) return false;
    seen++;
  }
  return seen > 0;
}

/** Which columns hold the text(s) and (optionally) labels: the flags, else detected as train would. */
export function predictColumns(table: ParsedTable, head: PeekedHead, flags: { text?: string; textPair?: string; label?: string }): PredictColumns {
  const want = headColumns(head, flags.text, flags.textPair);
  let guess: { text: string; textPair?: string; label: string } | null = null;
  try {
    guess = guessColumns(table, { text: flags.text, label: flags.label });
  } catch {
    guess = null; // no label-like column: fine for predict
  }
  const label = flags.label !== undefined ? column(table, flags.label, '--label', 'label') : null;
  let text: number;
  if (flags.text !== undefined) text = column(table, flags.text, '--text', 'text');
  else if (guess && table.columns.indexOf(guess.text) !== label) text = table.columns.indexOf(guess.text);
  else {
    // The longest mostly non-numeric column that is not the label column.
    const stats = columnStats(table).map((s, j) => ({ ...s, j })).filter((s) => s.j !== label && s.filled > 0 && s.numeric < 0.5);
    if (stats.length === 0) throw new DataError('no-text-column', `No column of ${listNames(table.columns, 20)} holds text. Pick one yourself (--text COLUMN).`);
    text = stats.reduce((a, b) => (b.meanLength > a.meanLength ? b : a)).j;
  }
  let textPair: number | null = null;
  if (flags.textPair !== undefined) textPair = column(table, flags.textPair, '--text-pair', 'second text');
  else if (want.textPair !== null && guess?.textPair !== undefined && flags.text === undefined) textPair = table.columns.indexOf(guess.textPair);
  if (head.pair !== undefined && head.pair !== 'none' && textPair === null) {
    throw new UsageError(`the head in ${head.path} was trained on text pairs, but no second text column was found; name it with --text-pair COL`);
  }
  const roles = [text, textPair, label].filter((j): j is number => j !== null);
  if (new Set(roles).size !== roles.length) throw new UsageError(`one column is chosen for two roles (${roles.map((j) => table.columns[j]).join(', ')}): pick a different column for each`);
  if (label !== null || !head.labels) return { text, textPair, label };
  // Detected label column: the guessed one or any other whose every value is a label of the head.
  const known = new Set(head.labels);
  const order = guess ? [table.columns.indexOf(guess.label), ...table.columns.keys()] : [...table.columns.keys()];
  const found = order.find((j) => j >= 0 && !roles.includes(j) && holdsLabels(table, j, known));
  return { text, textPair, label: found ?? null };
}

export async function predictCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'head-file': { type: 'string' },
      data: { type: 'string' },
      text: { type: 'string' },
      'text-pair': { type: 'string' },
      label: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string', default: 'default' },
      batch: { type: 'string', default: '64' },
      'no-cache': { type: 'boolean', default: false },
    },
  });
  if (!values['head-file']) throw new UsageError('predict needs --head-file FILE (a head from "labeltune train --out")');
  if (!values.data) throw new UsageError('predict needs --data FILE');
  const batch = numFlag('batch', values.batch, true)!;
  if (batch < 1) throw new UsageError('--batch must be at least 1');
  const peeked = peekHeadFile(values['head-file']);
  const table = readTable(values.data);
  if (peeked.multiLabel && values.label !== undefined) {
    throw new UsageError(`--label: the head in ${peeked.path} is multi-label; predict writes its label sets without comparing them with gold labels (use "labeltune eval" for metrics)`);
  }
  const found = predictColumns(table, peeked, { text: values.text, textPair: values['text-pair'], label: values.label });
  // A multi-label head's predictions are label sets: no detected gold column, no accuracy.
  const cols = peeked.multiLabel ? { ...found, label: null } : found;
  // Rows: trimmed texts (as training reads them); empty texts skipped and reported.
  const rows: (TextInput & { gold?: string })[] = [];
  const empty: number[] = [];
  const headLabels = new Set(peeked.labels ?? []);
  const unseen = new Map<string, number[]>();
  table.rows.forEach((row, i) => {
    const text = row[cols.text].trim();
    const pair = cols.textPair !== null ? row[cols.textPair].trim() : undefined;
    if (text === '' || pair === '') return void empty.push(table.lines[i]);
    const gold = cols.label !== null ? row[cols.label].trim() : undefined;
    if (gold && peeked.labels && !headLabels.has(gold)) unseen.set(gold, [...(unseen.get(gold) ?? []), table.lines[i]]);
    rows.push(pair === undefined ? { text, gold } : { text, textPair: pair, gold });
  });
  if (unseen.size) {
    const list = [...unseen].slice(0, 10).map(([l, ls]) => `'${l}' (${listLines(ls, 5)})`).join(', ');
    throw new DataError('unseen-label', `${values.data} has labels the head was not trained on in column '${table.columns[cols.label!]}': ${list}. The head's labels are ${[...headLabels].join(', ')}; fix those rows or leave out --label.`);
  }
  if (rows.length === 0) throw new DataError('no-examples', `No usable rows in ${values.data}: the text column '${table.columns[cols.text]}' is empty in all ${table.rows.length} rows (${listLines(empty)}).`);
  if (empty.length) console.error(`labeltune: skipped ${empty.length} rows with an empty text (${listLines(empty)})`);
  const session = await openEncoder({ model: values.model!, tmax: peeked.tmax, cache: !values['no-cache'] });
  const { encoder } = session;
  try {
    await withGpu(async (engine) => {
      const { head, meta } = loadHead(engine, peeked, encoder.info, session.files.model);
      try {
        const { logits } = await inferLogits(engine, head, session, rows, { pair: peeked.pair, batch, label: 'encode', quiet: false });
        const L = meta.labels.length;
        const probs = headProbabilities(logits, L, meta);
        const sets = meta.task?.multiLabel ? predictedSets(probs, L, meta.task.thresholds) : undefined;
        const names = { text: table.columns[cols.text], textPair: cols.textPair !== null ? table.columns[cols.textPair] : null, label: cols.label !== null ? table.columns[cols.label] : null };
        const csv = predictionsCsv(names, rows, meta.labels, probs, meta.labelTexts, sets);
        let summary = `${rows.length} predictions by the ${head.kind} head${sets ? ' (multi-label: predicted is a JSON list of labels)' : ''}${meta.calibration ? ` (probabilities at temperature ${meta.calibration.temperature.toFixed(3)})` : ''}`;
        const { correct, total } = predictionAccuracy(rows, meta.labels, probs);
        if (total) summary += `; accuracy ${((100 * correct) / total).toFixed(2)}% (${correct}/${total}, column '${names.label}')`;
        if (values.out) {
          writeFileSync(values.out, csv);
          console.log(`${summary}; wrote ${values.out}`);
        } else {
          console.log(csv.slice(0, -1));
          console.error(summary);
        }
      } finally {
        head.dispose();
      }
    });
  } finally {
    await encoder.dispose();
  }
}
