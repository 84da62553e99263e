// sniff(bytes or text, fileName?): which format a dataset file is in, its delimiter, quoting and header, its
// columns and a preview — everything parse() needs, with a sentence on each choice.
// Design decision: the decision is made on the content (the first 256 K characters), the file name's
// extension only breaking ties, because users' files are often misnamed (.txt TSVs, .csv with semicolons).
// Order: JSON/JSONL by the first character; then a TSV whose rows have a consistent tab count; then `__label__`
// lines; then CSV with the delimiter (, ; |) giving the most consistent field count; then `LABEL text` lines;
// else one column per line.

import Papa from 'papaparse';
import { checkText, decode } from './decode';
import { DataError, fmtCount } from './errors';
import { detectHeader } from './header';
import { parse } from './parse';
import { detectTsvQuoting, modalWidth, splitLines } from './parse-delimited';
import type { DataFormat, Quoting, SniffResult } from './types';

const SAMPLE_CHARS = 256 * 1024;
const SAMPLE_ROWS = 500;
const PREVIEW_ROWS = 20;
/** A sample holds at least this many lines, however long they are (a 1 MB first cell must not leave only the header). */
const MIN_SAMPLE_LINES = 3;
/** Share of sample rows that must have the modal field count for a delimiter to count as consistent. */
const CONSISTENT = 0.9;

/** The next line break ('\n', '\r\n' or '\r') at or after `from`: [start, end) of the break, or null. */
function nextBreak(text: string, from: number): [number, number] | null {
  const n = text.indexOf('\n', from);
  const r = text.indexOf('\r', from);
  if (r !== -1 && (n === -1 || r < n)) return [r, text.charCodeAt(r + 1) === 10 ? r + 2 : r + 1];
  return n === -1 ? null : [n, n + 1];
}

/**
 * Where the sample of a long text ends (exclusive, at a line break): the last break within SAMPLE_CHARS, but never
 * before the end of the first MIN_SAMPLE_LINES lines; the whole text when it is short or has fewer lines.
 */
export function sampleEnd(text: string): number {
  if (text.length <= SAMPLE_CHARS) return text.length;
  let minEnd = 0;
  let from = 0;
  for (let i = 0; i < MIN_SAMPLE_LINES; i++) {
    const b = nextBreak(text, from);
    if (!b) return text.length;
    minEnd = b[0];
    from = b[1];
  }
  const last = Math.max(text.lastIndexOf('\n', SAMPLE_CHARS), text.lastIndexOf('\r', SAMPLE_CHARS));
  return Math.max(last, minEnd);
}

function extension(fileName?: string): string {
  const m = fileName ? /\.([a-z0-9]+)$/i.exec(fileName) : null;
  return m ? m[1].toLowerCase() : '';
}

/** Modal field count and the share of rows having it. */
function consistency(rows: readonly (readonly string[])[]): { width: number; share: number } {
  if (rows.length === 0) return { width: 0, share: 0 };
  const width = modalWidth(rows);
  const n = Math.min(rows.length, 1000);
  let same = 0;
  for (let i = 0; i < n; i++) if (rows[i].length === width) same++;
  return { width, share: same / n };
}

function papaRows(sample: string, delimiter: string, truncated: boolean): string[][] {
  const rows = Papa.parse<string[]>(sample, { delimiter, quoteChar: '"', skipEmptyLines: 'greedy', preview: SAMPLE_ROWS + 1 }).data;
  if (rows.length > SAMPLE_ROWS) rows.length = SAMPLE_ROWS;
  else if (truncated) rows.pop(); // the last row may be cut
  return rows;
}

/** A first token that looks like a label by itself: 3, NEG, not_entailment:x, DESC:manner. */
const LABEL_TOKEN = /^(-?\d+|[A-Z][A-Z0-9_-]*|[^\s:]+:[^\s:]+)$/;

/** `LABEL text` lines: a short first token, few distinct ones, text after it on (nearly) every line. */
function looksLabelText(lines: readonly string[]): { ok: boolean; reason: string } {
  const n = lines.length;
  if (n === 0) return { ok: false, reason: 'no lines' };
  const tokens: string[] = [];
  let withText = 0;
  for (const l of lines) {
    const m = /^\s*(\S+)[ \t]+\S/.exec(l);
    if (m) {
      withText++;
      tokens.push(m[1]);
    }
  }
  if (withText < 0.95 * n) return { ok: false, reason: `only ${withText} of ${n} lines have a token then text` };
  if (tokens.some((t) => t.length > 40)) return { ok: false, reason: 'first tokens too long for labels' };
  const distinct = new Set(tokens).size;
  // Tokens that look like labels (numbers, CAPS, coarse:fine) need no repeats; other words must repeat a lot.
  const labelLike = tokens.every((t) => LABEL_TOKEN.test(t));
  const limit = labelLike ? 100 : n < 20 ? n / 2 : Math.min(100, Math.max(2, 0.2 * n));
  if (distinct > limit) return { ok: false, reason: `${distinct} distinct first tokens in ${n} lines: not labels` };
  return { ok: true, reason: `every line starts with one of ${distinct} label tokens` };
}

function looksJsonl(text: string): boolean {
  const lines = splitLines(text.slice(0, SAMPLE_CHARS)).filter((l) => l.trim() !== '');
  try {
    const v = JSON.parse(lines[0]);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  } catch {
    return false; // a pretty-printed object spans lines: JSON
  }
  return lines.length > 1 && lines[1].trim().startsWith('{');
}

interface Choice {
  format: DataFormat;
  delimiter: string;
  quoting: Quoting;
  notes: string[];
}

function chooseFormat(text: string, ext: string): Choice {
  const first = /\S/.exec(text)?.[0] ?? '';
  const isJsonl = (first === '{' || ext === 'jsonl' || ext === 'ndjson') && looksJsonl(text);
  if (ext === 'jsonl' || ext === 'ndjson' || isJsonl) {
    return { format: 'jsonl', delimiter: '', quoting: 'none', notes: [isJsonl ? 'JSON Lines: one object per line' : `JSON Lines (.${ext} file)`] };
  }
  if (first === '[' || first === '{' || ext === 'json') {
    return { format: 'json', delimiter: '', quoting: 'none', notes: [first === '[' ? 'JSON: an array of records' : first === '{' ? 'JSON: an object holding records' : 'JSON (.json file)'] };
  }

  const end = sampleEnd(text);
  const truncated = end < text.length;
  const sample = text.slice(0, end);
  const lines = splitLines(sample).filter((l) => l.trim() !== '').slice(0, SAMPLE_ROWS);

  // TSV: a consistent number of tabs.
  const tsvQuoting = detectTsvQuoting(sample, truncated);
  const tsvRows = tsvQuoting.quoting === 'double-quote' ? papaRows(sample, '\t', truncated) : lines.map((l) => l.split('\t'));
  const tsv = consistency(tsvRows);
  const tabOk = tsv.width >= 2 && (tsv.share >= CONSISTENT || ((ext === 'tsv' || ext === 'tab') && tsv.share >= 0.5));
  if (tabOk) {
    return {
      format: 'tsv',
      delimiter: '\t',
      quoting: tsvQuoting.quoting,
      notes: [`TSV: ${Math.round(tsv.share * 100)}% of the first ${fmtCount(tsvRows.length)} rows have ${tsv.width} tab-separated fields`, `quoting: ${tsvQuoting.reason}`],
    };
  }

  const fastText = lines.filter((l) => l.startsWith('__label__')).length;
  if (fastText >= 0.9 * lines.length) return { format: 'label-text', delimiter: ' ', quoting: 'none', notes: ['fastText-style `__label__LABEL text` lines'] };

  // CSV: the delimiter with the most consistent field count.
  let best: { d: string; width: number; share: number } | null = null;
  for (const d of [',', ';', '|']) {
    const c = consistency(papaRows(sample, d, truncated));
    const need = ext === 'csv' && d === ',' ? 0.5 : CONSISTENT;
    if (c.width >= 2 && c.share >= need && (!best || c.share > best.share)) best = { d, ...c };
  }
  if (best) {
    return {
      format: 'csv',
      delimiter: best.d,
      quoting: 'double-quote',
      notes: [`CSV: ${Math.round(best.share * 100)}% of the first rows have ${best.width} fields separated by '${best.d}'`],
    };
  }

  const lt = looksLabelText(lines);
  if (lt.ok) return { format: 'label-text', delimiter: ' ', quoting: 'none', notes: [`\`LABEL text\` lines: ${lt.reason}`] };

  return {
    format: 'tsv',
    delimiter: '\t',
    quoting: 'none',
    notes: [`no delimiter found (no consistent tab, comma, semicolon or pipe count; not \`LABEL text\` lines: ${lt.reason}): one column per line`],
  };
}

/**
 * Detects how to read a dataset file. `input` is the file's bytes (decoded here: UTF-8 with BOM removal,
 * UTF-16, Windows-1252 fallback) or its text. Throws DataError 'empty-file', 'binary-file', 'json-syntax',
 * 'json-shape' or 'no-rows'.
 */
export function sniff(input: string | Uint8Array, fileName?: string): SniffResult {
  const { text, encoding } = typeof input === 'string' ? checkText(input, fileName) : decode(input, fileName);
  const choice = chooseFormat(text, extension(fileName));
  const notes = [...encoding.notes, ...choice.notes];

  let hasHeader = false;
  let sampleText = text;
  if (choice.format === 'csv' || choice.format === 'tsv' || choice.format === 'jsonl') {
    // Columns and preview come from a sample cut at a line end; JSON needs the whole text to parse.
    sampleText = text.slice(0, Math.max(sampleEnd(text), 1));
  }
  let table;
  try {
    table = parse(sampleText, { format: choice.format, delimiter: choice.delimiter, quoting: choice.quoting, hasHeader: false }, fileName);
  } catch (e) {
    if (e instanceof DataError && e.code === 'no-rows' && choice.format === 'jsonl' && sampleText !== text) table = parse(text, choice, fileName);
    else throw e;
  }
  if (choice.format === 'csv' || choice.format === 'tsv') {
    const guess = detectHeader(table.rows.slice(0, 200));
    hasHeader = guess.hasHeader;
    notes.push(`${hasHeader ? 'header' : 'no header'}: ${guess.reason}`);
    // With a header the width is the header's: parse again so preview and columns are exactly parse()'s.
    if (hasHeader) table = parse(sampleText, { format: choice.format, delimiter: choice.delimiter, quoting: choice.quoting, hasHeader }, fileName);
  }
  return {
    format: choice.format,
    delimiter: choice.delimiter,
    quoting: choice.quoting,
    hasHeader,
    columns: table.columns,
    preview: table.rows.slice(0, PREVIEW_ROWS),
    text,
    encoding,
    notes,
    fileName,
  };
}
