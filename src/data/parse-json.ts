// JSON (an array of objects, or an object holding one: {"data": [...]}) and JSONL (one object per line) to rows.
// Design decision: JSON.parse does the parsing; a second, string-aware scan of the text finds the line each
// record starts on (JSON.parse gives no positions), so JSON rows get line numbers like every other format.
// Columns are the union of the records' keys in order of first appearance; values become strings (numbers
// and booleans as written, null/missing as '', nested values as JSON).

import { DataError, fmtCount, type DataIssue } from './errors';
import { lineOf } from './decode';
import { splitLines, type RawTable } from './parse-delimited';

/** Keys tried, in order, for the records array of an object root. */
const RECORD_KEYS = ['data', 'rows', 'records', 'examples', 'items', 'train'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Records -> columns (union of keys) + rows. */
function tabulate(records: Record<string, unknown>[]): { columns: string[]; rows: string[][] } {
  const index = new Map<string, number>();
  for (const r of records) for (const k of Object.keys(r)) if (!index.has(k)) index.set(k, index.size);
  const columns = [...index.keys()];
  const rows = records.map((r) => columns.map((c) => cell(r[c])));
  return { columns, rows };
}

/** Where JSON.parse failed, as "line L, column C", from V8's or Firefox's message; '' when it does not say. */
function errorPlace(text: string, message: string): string {
  const pos = /at position (\d+)/.exec(message);
  if (pos) {
    const offset = Number(pos[1]);
    const line = lineOf(text, offset);
    const col = offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1;
    return `line ${line}, column ${col}`;
  }
  const lc = /line (\d+) column (\d+)/.exec(message);
  return lc ? `line ${lc[1]}, column ${lc[2]}` : '';
}

/** The parser's message without the place it names (said once, as "line L, column C", by the caller). */
function withoutPlace(message: string): string {
  return message
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s+at position \d+/, '')
    .replace(/\s+at line \d+ column \d+ of the JSON data/, '')
    .trim();
}

/** The end index (of the closing quote) of the JSON string starting at `start` (an opening quote). */
function stringEnd(text: string, start: number): number {
  let q = text.indexOf('"', start + 1);
  while (q !== -1) {
    let backslashes = 0;
    for (let k = q - 1; text.charCodeAt(k) === 92; k--) backslashes++;
    if (backslashes % 2 === 0) return q;
    q = text.indexOf('"', q + 1);
  }
  return text.length;
}

/**
 * Line of each element of the records array: the root array when `key` is null, else the array under `key` of
 * the root object. Assumes `text` is valid JSON.
 */
export function recordLines(text: string, key: string | null): number[] {
  const out: number[] = [];
  let line = 1;
  let depth = 0;
  let targetDepth = key === null ? 1 : -1;
  let expectValue = false;
  let expectKey = false;
  let lastKey: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    if (depth === targetDepth && expectValue && c !== 93) {
      out.push(line);
      expectValue = false;
    }
    if (c === 34) {
      const end = stringEnd(text, i);
      if (depth === 1 && expectKey) {
        lastKey = JSON.parse(text.slice(i, end + 1)) as string;
        expectKey = false;
      }
      i = end;
    } else if (c === 91 || c === 123) {
      depth++;
      if (depth === 1 && c === 123) expectKey = true;
      if (depth === 1 && key === null && c === 91) expectValue = true;
      if (depth === 2 && c === 91 && key !== null && lastKey === key && targetDepth === -1) {
        targetDepth = 2;
        expectValue = true;
      }
    } else if (c === 93 || c === 125) {
      if (depth === targetDepth) targetDepth = -2;
      depth--;
    } else if (c === 44) {
      if (depth === targetDepth) expectValue = true;
      if (depth === 1) expectKey = true;
    }
  }
  return out;
}

export function parseJson(text: string, fileName?: string): RawTable {
  const name = fileName ? `'${fileName}'` : 'The JSON';
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const place = errorPlace(text, msg);
    throw new DataError(
      'json-syntax',
      `${name} is not valid JSON${place ? ` at ${place}` : ''}: ${place ? withoutPlace(msg) : msg}. Fix the file, or if it has one JSON object per line, name it .jsonl.`,
      place ? [Number(/line (\d+)/.exec(place)![1])] : [],
    );
  }
  let records: unknown[];
  let key: string | null = null;
  if (Array.isArray(root)) records = root;
  else if (isRecord(root)) {
    key = RECORD_KEYS.find((k) => Array.isArray(root[k])) ?? null;
    if (key === null) {
      const arrays = Object.keys(root).filter((k) => Array.isArray(root[k]) && (root[k] as unknown[]).some(isRecord));
      if (arrays.length === 1) key = arrays[0];
    }
    if (key === null) {
      throw new DataError(
        'json-shape',
        `${name} is an object without an array of records (keys: ${Object.keys(root).slice(0, 8).join(', ') || 'none'}). Use [{"text": "...", "label": "..."}, ...] or {"data": [...]}.`,
      );
    }
    records = root[key] as unknown[];
  } else {
    throw new DataError('json-shape', `${name} holds a single ${typeof root} value, not records. Use [{"text": "...", "label": "..."}, ...].`);
  }
  let lines = recordLines(text, key);
  if (lines.length !== records.length) lines = records.map(() => 0); // cannot happen for valid JSON; never guess wrong lines
  const issues: DataIssue[] = [];
  const good: Record<string, unknown>[] = [];
  const goodLines: number[] = [];
  records.forEach((r, i) => {
    if (isRecord(r)) {
      good.push(r);
      goodLines.push(lines[i]);
    } else {
      issues.push({ code: 'not-an-object', line: lines[i], message: `record ${i + 1} (line ${lines[i]}) is ${Array.isArray(r) ? 'an array' : JSON.stringify(r)?.slice(0, 40)}, not an object like {"text": "...", "label": "..."}: skipped.` });
    }
  });
  if (good.length === 0) {
    throw new DataError('no-rows', `${name} has ${records.length === 0 ? 'an empty records array' : `no objects among its ${fmtCount(records.length)} records`}. Each record should look like {"text": "...", "label": "..."}.`);
  }
  const { columns, rows } = tabulate(good);
  return { header: columns, rows, lines: goodLines, issues };
}

export function parseJsonl(text: string, fileName?: string, onProgress?: (f: number) => void): RawTable {
  const name = fileName ? `'${fileName}'` : 'The JSONL';
  const all = splitLines(text);
  const issues: DataIssue[] = [];
  const good: Record<string, unknown>[] = [];
  const lines: number[] = [];
  let nonBlank = 0;
  for (let i = 0; i < all.length; i++) {
    const s = all[i].trim();
    if (s === '') continue;
    nonBlank++;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch (e) {
      issues.push({ code: 'bad-json-line', line: i + 1, message: `line ${i + 1} is not valid JSON (${(e as Error).message.slice(0, 80)}): skipped.` });
      continue;
    }
    if (!isRecord(v)) {
      issues.push({ code: 'not-an-object', line: i + 1, message: `line ${i + 1} is ${Array.isArray(v) ? 'an array' : JSON.stringify(v).slice(0, 40)}, not an object like {"text": "...", "label": "..."}: skipped.` });
      continue;
    }
    good.push(v);
    lines.push(i + 1);
    if (onProgress && i % 20_000 === 0) onProgress(i / all.length);
  }
  if (good.length === 0) {
    const first = issues[0]?.message ?? '';
    throw new DataError('no-rows', `None of the ${fmtCount(nonBlank)} lines of ${name} is a JSON object (${first}). Each line should be one object like {"text": "...", "label": "..."}.`, issues.slice(0, 20).map((i) => i.line));
  }
  const { columns, rows } = tabulate(good);
  return { header: columns, rows, lines, issues };
}
