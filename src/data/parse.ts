// parse(text, options): a dataset text in any supported format -> one table of strings with line numbers.
// Design decision: every format ends as the same ParsedTable (columns, rows of strings, 1-based start lines,
// per-row issues), so column choice, validation and the dataset builder never care where the rows came from.
// A file with no header gets column names col1..colN; `LABEL text` lines get the columns label and text.

import { DataError, fmtCount, type DataIssue } from './errors';
import { parseDelimited, parseLabelText, type RawTable } from './parse-delimited';
import { parseJson, parseJsonl } from './parse-json';
import type { ParseOptions, ParsedTable } from './types';

/** col1, col2, ... */
export function generatedColumns(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `col${i + 1}`);
}

/** Header names made unique and non-empty: '' -> colN, a repeat -> 'name (2)'. */
export function uniqueColumns(header: readonly string[]): string[] {
  const seen = new Set<string>();
  return header.map((h, i) => {
    let name = h.trim() === '' ? `col${i + 1}` : h.trim();
    for (let k = 2; seen.has(name); k++) name = `${h.trim() || `col${i + 1}`} (${k})`;
    seen.add(name);
    return name;
  });
}

/** One 'repeated-column' issue per header name given twice or more (its repeats renamed by uniqueColumns). */
function repeatedNames(header: readonly string[], columns: readonly string[], line: number): DataIssue[] {
  const issues: DataIssue[] = [];
  header.forEach((h, j) => {
    const name = h.trim();
    const first = header.findIndex((x) => x.trim() === name);
    if (name === '' || first === j) return;
    issues.push({ code: 'repeated-column', line, message: `line ${line}: the header names '${name}' twice (columns ${first + 1} and ${j + 1}): the second is read as '${columns[j]}'. Rename one of them.` });
  });
  return issues;
}

/**
 * Parses a whole dataset text (decoded, byte-order mark removed: SniffResult.text) with the given options
 * (a SniffResult works as is). Throws DataError for a file-level problem; row problems land in `issues`.
 */
export function parse(text: string, options: ParseOptions, fileName?: string): ParsedTable {
  const name = fileName ? `'${fileName}'` : 'The file';
  let raw: RawTable;
  switch (options.format) {
    case 'csv':
    case 'tsv': {
      const delimiter = options.delimiter || (options.format === 'tsv' ? '\t' : ',');
      const quoting = options.quoting ?? (options.format === 'tsv' ? 'none' : 'double-quote');
      raw = parseDelimited(text, { delimiter, quoting, hasHeader: options.hasHeader ?? false, onProgress: options.onProgress });
      break;
    }
    case 'label-text':
      raw = parseLabelText(text, options.onProgress);
      break;
    case 'json':
      raw = parseJson(text, fileName);
      break;
    case 'jsonl':
      raw = parseJsonl(text, fileName, options.onProgress);
      break;
    default:
      throw new DataError('bad-option', `Unknown format '${String(options.format)}': use csv, tsv, json, jsonl or label-text.`);
  }
  options.onProgress?.(1);
  if (raw.rows.length === 0) {
    throw new DataError(
      'no-rows',
      raw.header
        ? `${name} has a header (${raw.header.slice(0, 6).join(', ')}) but no data rows. Add rows, or if the first line is data, turn "first row is a header" off.`
        : `${name} has no data rows.`,
    );
  }
  const width = raw.rows[0].length;
  const columns = raw.header ? uniqueColumns(raw.header) : generatedColumns(width);
  if (raw.header) raw.issues.unshift(...repeatedNames(raw.header, columns, raw.headerLine ?? 1));
  if (columns.length !== width) throw new Error(`internal: ${columns.length} columns for rows of ${fmtCount(width)} fields`);
  return { format: options.format, columns, rows: raw.rows, lines: raw.lines, issues: raw.issues };
}
