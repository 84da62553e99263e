// `labeltune suggest --head-file H --data unlabelled.tsv [--k 50] [--by margin|entropy] [--diverse]`: the k rows
// a head is least sure about — the rows worth labelling next — with their line number, uncertainty, top labels
// and text. Design decision: the file is read like predict's (no label column needed); rows that already carry
// a label (a detected or --label column) are never suggested and serve as the anchors of --diverse; the ranking
// is src/train/active (the studio's labelling loop uses the same); output is bounded (k <= 1000, texts clipped).
import { parseArgs } from 'node:util';
import { DataError, listLines } from '../data';
import { countFlag, readTable, UsageError } from './args';
import { inferLogits, openEncoder, type TextInput } from './encoding';
import { clipLine, printable, textTable } from './format';
import { withGpu } from './gpu-session';
import { loadHead, peekHeadFile } from './head-file';
import { predictColumns } from './predict-cmd';
import { softmaxRows } from '../train/inference';
import { sigmoidAll } from '../train/multi-label';
import { readsTokenIds } from '../train/token-inference';
import { suggestRows, type Suggestion } from '../train/active/suggest';
import { UNCERTAINTY_KINDS, type UncertaintyBy } from '../train/active/uncertainty';

export const SUGGEST_USAGE = `  labeltune suggest --head-file head.safetensors --data FILE [--k 50] [--by margin|entropy] [--diverse]
                 [--text COL] [--text-pair COL] [--label COL] [--top 3] [--json] [--model default|DIR] [--no-cache]
      the k rows (at most 1000) the head is least sure about, most uncertain first: line, uncertainty, the top
      labels with probabilities, text; rows with a label already are skipped (and anchor --diverse, which spreads
      the k picks over the encoder's feature space among the 10k most uncertain rows).`;

export const MAX_SUGGEST = 1000;
const TEXT_CHARS = 120;

export interface SuggestLine {
  rank: number;
  line: number;
  score: number;
  top: { label: string; p: number }[];
  text: string;
  textPair?: string;
}

/** The suggestions as printable rows: top `top` labels by probability (ties: label order), texts unclipped. */
export function suggestLines(sug: readonly Suggestion[], probs: Float32Array | Float64Array, labels: readonly string[], rows: readonly TextInput[], lines: readonly number[], top: number): SuggestLine[] {
  const L = labels.length;
  return sug.map((s, k) => {
    const p = [...probs.subarray(s.row * L, (s.row + 1) * L)];
    const order = p.map((_, l) => l).sort((a, b) => p[b] - p[a] || a - b).slice(0, top);
    const r = rows[s.row];
    return { rank: k + 1, line: lines[s.row], score: s.score, top: order.map((l) => ({ label: labels[l], p: p[l] })), text: r.text, ...(r.textPair !== undefined ? { textPair: r.textPair } : {}) };
  });
}

/** The human table: rank, line, uncertainty, top labels, text (clipped to 120 characters, control bytes escaped). */
export function suggestTable(lines: readonly SuggestLine[], by: UncertaintyBy): string[] {
  const clip = (s: string) => printable(s.length > TEXT_CHARS ? `${s.slice(0, TEXT_CHARS)}…` : s);
  return textTable(
    ['#', 'line', by, 'top labels', 'text'],
    lines.map((x) => [String(x.rank), String(x.line), x.score.toFixed(3), x.top.map((t) => `${clipLine(t.label, 40)} ${(100 * t.p).toFixed(1)}%`).join(', '), clip(x.textPair === undefined ? x.text : `${x.text} ‖ ${x.textPair}`)]),
    [true, true, true, false, false],
  );
}

export async function suggestCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'head-file': { type: 'string' },
      data: { type: 'string' },
      k: { type: 'string', default: '50' },
      by: { type: 'string', default: 'margin' },
      diverse: { type: 'boolean', default: false },
      top: { type: 'string', default: '3' },
      text: { type: 'string' },
      'text-pair': { type: 'string' },
      label: { type: 'string' },
      json: { type: 'boolean', default: false },
      model: { type: 'string', default: 'default' },
      'no-cache': { type: 'boolean', default: false },
    },
  });
  if (!values['head-file']) throw new UsageError('suggest needs --head-file FILE (a head from "labeltune train --out" or the studio)');
  if (!values.data) throw new UsageError('suggest needs --data FILE (the texts to rank; a label column is optional)');
  const k = countFlag('k', values.k)!;
  if (k > MAX_SUGGEST) throw new UsageError(`--k must be at most ${MAX_SUGGEST}, got ${values.k} (to score every row, use "labeltune predict")`);
  const top = countFlag('top', values.top)!;
  const by = values.by as UncertaintyBy;
  if (!UNCERTAINTY_KINDS.includes(by)) throw new UsageError(`--by must be one of ${UNCERTAINTY_KINDS.join(', ')}, got "${values.by}"`);
  const peeked = peekHeadFile(values['head-file']);
  const table = readTable(values.data);
  const cols = predictColumns(table, peeked, { text: values.text, textPair: values['text-pair'], label: values.label });
  const rows: TextInput[] = [];
  const lines: number[] = [];
  const labelled: number[] = [];
  const empty: number[] = [];
  table.rows.forEach((row, i) => {
    const text = row[cols.text].trim();
    const pair = cols.textPair !== null ? row[cols.textPair].trim() : undefined;
    if (text === '' || pair === '') return void empty.push(table.lines[i]);
    if (cols.label !== null && row[cols.label].trim() !== '') labelled.push(rows.length);
    rows.push(pair === undefined ? { text } : { text, textPair: pair });
    lines.push(table.lines[i]);
  });
  if (rows.length === 0) throw new DataError('no-examples', `No usable rows in ${values.data}: the text column '${table.columns[cols.text]}' is empty in all ${table.rows.length} rows (${listLines(empty)}).`);
  if (labelled.length === rows.length) {
    throw new DataError('no-examples', `Every row of ${values.data} already has a label in column '${table.columns[cols.label!]}': nothing to suggest. Give unlabelled rows (an empty label cell), or name another column with --label.`);
  }
  if (empty.length) console.error(`labeltune: skipped ${empty.length} rows with an empty text (${listLines(empty)})`);
  const session = await openEncoder({ model: values.model!, tmax: peeked.tmax, cache: !values['no-cache'] });
  try {
    await withGpu(async (engine) => {
      const { head, meta } = loadHead(engine, peeked, session.encoder.info, session.files.model);
      try {
        if (values.diverse && readsTokenIds(head)) throw new UsageError(`--diverse spreads picks over cached encoder features, which a ${head.kind} head does not read; leave out --diverse`);
        const { logits, encoded } = await inferLogits(engine, head, session, rows, { pair: peeked.pair, batch: 64, label: 'encode', quiet: values.json! });
        const L = meta.labels.length;
        // The head's own probabilities: sigmoids for a multi-label head, its fitted temperature when calibrated.
        const T = meta.calibration?.temperature ?? 1;
        const multiLabel = meta.task?.multiLabel === true;
        const probs = multiLabel ? sigmoidAll(logits, T) : softmaxRows(T === 1 ? logits : logits.map((z) => z / T), L);
        let diverse;
        if (values.diverse) {
          const C = encoded.features[0].pooled.length;
          const features = new Float32Array(rows.length * C);
          encoded.features.forEach((f, i) => features.set(f.pooled, i * C));
          diverse = { features, C, anchors: labelled };
        }
        const sug = suggestRows(probs, L, { k, by, multiLabel, exclude: new Set(labelled), diverse });
        const out = suggestLines(sug, probs, meta.labels, rows, lines, Math.min(top, L));
        if (values.json) console.log(JSON.stringify({ by, diverse: values.diverse, head: head.kind, rows: rows.length, labelled: labelled.length, suggestions: out }));
        else {
          console.log(suggestTable(out, by).join('\n'));
          console.error(`${out.length} of ${rows.length - labelled.length} unlabelled rows by ${by}${values.diverse ? ' (diverse)' : ''}, from the ${head.kind} head${labelled.length ? `; ${labelled.length} labelled rows skipped` : ''}`);
        }
      } finally {
        head.dispose();
      }
    });
  } finally {
    await session.encoder.dispose();
  }
}
