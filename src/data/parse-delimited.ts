// Delimited and line formats: CSV/TSV (quoted or not) and `LABEL text` lines, to rows of strings with the
// 1-based line each row starts on.
// Design decision: quoting is a property of the file, not of a field. A quoted file (every CSV, and a TSV whose
// every `"` sits in a well-formed quoted field, like AG News) goes through papaparse (embedded delimiters,
// newlines, `""`); an unquoted TSV is split on newlines and tabs only, so GLUE's bare `"` (MRPC) is text.

import Papa from 'papaparse';
import { fmtCount, type DataIssue } from './errors';
import type { Quoting } from './types';

export interface RawTable {
  /** The header row when hasHeader, else null. */
  header: string[] | null;
  /** The 1-based line the header is on (when there is one). */
  headerLine?: number;
  rows: string[][];
  lines: number[];
  issues: DataIssue[];
}

const PROGRESS_EVERY = 20_000;

/** Lines of a text, '\n', '\r\n' or (old Mac) '\r' terminated, without their terminators. */
export function splitLines(text: string): string[] {
  if (text.includes('\n')) {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
    }
    return lines;
  }
  return text.split('\r');
}

function isBlank(fields: readonly string[]): boolean {
  return fields.length === 1 && fields[0].trim() === '';
}

/** Rows with their lines -> header + rows of exactly `width` fields (ragged rows padded or cut, with an issue). */
function shape(rows: string[][], lines: number[], hasHeader: boolean, issues: DataIssue[]): RawTable {
  let header: string[] | null = null;
  let headerLine: number | undefined;
  if (hasHeader && rows.length > 0) {
    header = rows.shift()!.map((c) => c.trim());
    headerLine = lines.shift();
  }
  const width = header ? header.length : modalWidth(rows);
  const widthSource = header ? 'the header has' : 'most rows have';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (r.length === width) continue;
    if (r.length < width) {
      issues.push({ code: 'ragged-row', line: lines[i], message: `line ${lines[i]} has ${r.length} fields but ${widthSource} ${width}: the missing ones are empty.` });
      while (r.length < width) r.push('');
    } else {
      const extra = r.slice(width).join(' | ');
      issues.push({
        code: 'ragged-row',
        line: lines[i],
        message: `line ${lines[i]} has ${r.length} fields but ${widthSource} ${width}: the extra ('${extra.slice(0, 40)}${extra.length > 40 ? '...' : ''}') were dropped. A delimiter inside a field? Quote the field.`,
      });
      r.length = width;
    }
  }
  return { header, headerLine, rows, lines, issues };
}

/** The most common field count among the first 1,000 rows (ties: the larger). */
export function modalWidth(rows: readonly (readonly string[])[]): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < rows.length && i < 1000; i++) counts.set(rows[i].length, (counts.get(rows[i].length) ?? 0) + 1);
  let best = 0;
  let bestCount = -1;
  for (const [w, c] of counts) if (c > bestCount || (c === bestCount && w > best)) [best, bestCount] = [w, c];
  return Math.max(best, 1);
}

/** Unquoted delimited text: every line is a row, split on the delimiter; blank lines are skipped. */
function parseUnquoted(text: string, delimiter: string, onProgress?: (f: number) => void): { rows: string[][]; lines: number[] } {
  const all = splitLines(text);
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i];
    if (line.trim() === '') continue;
    rows.push(line.split(delimiter));
    lines.push(i + 1);
    if (onProgress && i % PROGRESS_EVERY === 0) onProgress(i / all.length);
  }
  return { rows, lines };
}

/** RFC 4180 quoted text through papaparse; rows spanning lines get the line they start on. */
function parseQuoted(text: string, delimiter: string, issues: DataIssue[], onProgress?: (f: number) => void): { rows: string[][]; lines: number[] } {
  const rows: string[][] = [];
  const lines: number[] = [];
  let line = 1;
  Papa.parse<string[]>(text, {
    delimiter,
    quoteChar: '"',
    escapeChar: '"',
    skipEmptyLines: false,
    worker: false,
    chunkSize: 4 << 20,
    complete: () => undefined,
    // Typed by @types/papaparse for files only; on a string papaparse runs chunk() synchronously.
    chunk: (result: Papa.ParseResult<string[]>) => {
      const badRows = new Map<number, string>();
      for (const e of result.errors) if (e.type === 'Quotes' && e.row !== undefined && !badRows.has(e.row)) badRows.set(e.row, e.message);
      const data = result.data;
      for (let i = 0; i < data.length; i++) {
        const r = data[i];
        const start = line;
        for (const f of r) for (let k = f.indexOf('\n'); k !== -1; k = f.indexOf('\n', k + 1)) line++;
        line++;
        if (isBlank(r)) continue;
        const bad = badRows.get(i);
        if (bad !== undefined) {
          issues.push({ code: 'bad-quotes', line: start, message: `line ${start}: ${bad.toLowerCase()} — the row may have swallowed the lines after it. Close the quote, or write a quote inside a quoted field as "".` });
        }
        rows.push(r);
        lines.push(start);
      }
      onProgress?.(Math.min(1, result.meta.cursor / Math.max(text.length, 1)));
    },
  });
  return { rows, lines };
}

/** CSV/TSV text -> header + rows (all of one width) + their lines. */
export function parseDelimited(
  text: string,
  opts: { delimiter: string; quoting: Quoting; hasHeader: boolean; onProgress?: (f: number) => void },
): RawTable {
  const issues: DataIssue[] = [];
  const { rows, lines } =
    opts.quoting === 'none' ? parseUnquoted(text, opts.delimiter, opts.onProgress) : parseQuoted(text, opts.delimiter, issues, opts.onProgress);
  return shape(rows, lines, opts.hasHeader, issues);
}

/** fastText's label prefix: `__label__pos some text`. */
const FASTTEXT_PREFIX = '__label__';

/** `LABEL text` lines: the label is everything before the first space (or tab), the text everything after. */
export function parseLabelText(text: string, onProgress?: (f: number) => void): RawTable {
  const all = splitLines(text);
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i].trimStart();
    if (line.trim() === '') continue;
    const m = /[ \t]/.exec(line);
    let label = m ? line.slice(0, m.index) : line;
    const rest = m ? line.slice(m.index + 1) : '';
    if (label.startsWith(FASTTEXT_PREFIX) && label.length > FASTTEXT_PREFIX.length) label = label.slice(FASTTEXT_PREFIX.length);
    rows.push([label, rest]);
    lines.push(i + 1);
    if (onProgress && i % PROGRESS_EVERY === 0) onProgress(i / all.length);
  }
  return { header: ['label', 'text'], rows, lines, issues: [] };
}

/**
 * Checks the quoting of a TSV sample: 'double-quote' when it has quoted fields and every `"` belongs to a
 * well-formed one (`"..."` with `""` inside, followed by a tab or a line end); 'none' otherwise.
 */
export function detectTsvQuoting(sample: string, truncated: boolean): { quoting: Quoting; reason: string } {
  let quoted = 0;
  let i = 0;
  const n = sample.length;
  let lineNo = 1;
  while (i < n) {
    // At the start of a field.
    if (sample.charCodeAt(i) === 34) {
      let j = i + 1;
      for (;;) {
        const q = sample.indexOf('"', j);
        if (q === -1) {
          if (truncated) return quoted > 0 ? { quoting: 'double-quote', reason: `${fmtCount(quoted)} quoted fields, no bare quotes` } : { quoting: 'none', reason: 'no quoted fields' };
          return { quoting: 'none', reason: `an unterminated quote on line ${lineNo}, so quotes are text` };
        }
        if (sample.charCodeAt(q + 1) === 34) {
          j = q + 2;
          continue;
        }
        for (let k = sample.indexOf('\n', i); k !== -1 && k < q; k = sample.indexOf('\n', k + 1)) lineNo++;
        i = q + 1;
        break;
      }
      quoted++;
      const c = sample.charCodeAt(i);
      if (i < n && c !== 9 && c !== 10 && c !== 13) return { quoting: 'none', reason: `a quote followed by text on line ${lineNo} (a bare quote), so quotes are text` };
    } else {
      // An unquoted field runs to the next tab or newline; a quote inside it is bare.
      let j = i;
      while (j < n) {
        const c = sample.charCodeAt(j);
        if (c === 9 || c === 10 || c === 13) break;
        if (c === 34) return { quoting: 'none', reason: `a bare quote inside a field on line ${lineNo}, so quotes are text` };
        j++;
      }
      i = j;
    }
    // Past the field: skip one separator.
    if (i < n) {
      const c = sample.charCodeAt(i);
      if (c === 10) lineNo++;
      i++;
    }
  }
  return quoted > 0 ? { quoting: 'double-quote', reason: `${fmtCount(quoted)} quoted fields and no bare quotes` } : { quoting: 'none', reason: 'no quoted fields' };
}
