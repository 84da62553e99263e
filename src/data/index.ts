// The data module: dataset files (CSV, TSV, JSON, JSONL, `LABEL text` lines) -> validated, labelled examples.
// Design decision: text or bytes in, plain data out, no file system and no DOM: the CLI reads files with fs,
// the studio's worker with File.arrayBuffer(), and both call the same functions:
//   const s = sniff(bytes, name);            // format, delimiter, header, columns, preview (+ decoded text)
//   const table = parse(s.text, s, name);    // rows with 1-based line numbers and per-row issues
//   const ds = buildDataset(table, {textColumn, labelColumn});  // labels, counts, skipped rows
//   const { train, dev } = splitDataset(ds, { devFraction: 0.1, seed });
// Whole-file problems throw DataError (a stable `code`); per-row problems are DataIssues with line numbers.

export * from './types';
export * from './errors';
export { decode, checkText, unifyLineBreaks } from './decode';
export { sniff } from './sniff';
export { parse, generatedColumns } from './parse';
export { detectHeader, isNumeric } from './header';
export { guessColumns, columnStats, MAX_LABELS, type ColumnStats } from './columns';
export { buildDataset, alignDev, sortLabels, countLabels } from './dataset';
export { detectLabelSep, splitLabelCell, parseLabelNames, isLabelSep, LABEL_SEPS, type LabelSep } from './multi-label';
export { splitDataset, devQuotas, type SplitOptions } from './split';
export { labelSupportWarnings, MIN_TRAIN, MIN_DEV, type SupportWarning } from './label-support';
export { datasetWarnings, nearDuplicateLabels, labelKey } from './warnings';
export { mulberry32, seededShuffle } from './random';
export * from './demo-spam';

import { sniff } from './sniff';
import { parse } from './parse';
import { buildDataset } from './dataset';
import type { BuildOptions, Dataset, ParsedTable, SniffResult } from './types';

/** sniff + parse + buildDataset in one call (what the CLI does with a --data file). */
export function loadDataset(input: string | Uint8Array, fileName?: string, opts: BuildOptions = {}): { sniffed: SniffResult; table: ParsedTable; dataset: Dataset } {
  const sniffed = sniff(input, fileName);
  const table = parse(sniffed.text, sniffed, fileName);
  return { sniffed, table, dataset: buildDataset(table, opts) };
}
