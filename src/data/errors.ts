// Coded errors and per-row issues of the data module.
// Design decision: a whole-file problem (empty, binary, unknown column, one class...) throws a DataError with a
// stable `code`; a problem with single rows never throws — it becomes a DataIssue with the row's 1-based line
// number, the row is skipped, and the caller shows a capped summary (summarizeIssues). Messages say what is
// wrong, where, and how to fix it, so the CLI can print them as one line and the studio as a banner.

export type DataErrorCode =
  // whole file
  | 'empty-file' // no bytes, or only whitespace
  | 'binary-file' // NUL bytes, control characters or a known binary signature (zip/xlsx, gzip, pdf, image)
  | 'json-syntax' // a .json file that does not parse
  | 'json-shape' // JSON that is not an array of objects (or {data: [...]})
  | 'no-rows' // a header and nothing else, or every line unreadable
  | 'bad-option' // an option out of range (devFraction, unknown format...)
  // columns and labels
  | 'unknown-column' // a column name that the file does not have
  | 'no-text-column' // no column that could hold the texts
  | 'no-label-column' // no column that could hold the labels
  | 'one-class' // every example has the same label
  | 'too-many-labels' // the label column looks like free text or ids
  | 'no-examples' // every row was skipped
  | 'unseen-label' // a dev label that the training set never has
  | 'unknown-label' // a label id that a label-name list does not name
  | 'bad-label-names' // a label-name list with an empty or repeated name
  | 'too-few-examples' // too few examples to split off a dev set
  | 'bad-demo-record' // a SpamAssassin package record of the wrong shape
  | 'bad-text'; // a text the encoder could not take (named by its line)

export type DataIssueCode =
  | 'ragged-row' // a delimited row with more or fewer fields than the header
  | 'bad-quotes' // a CSV row with an unterminated or malformed quoted field
  | 'bad-json-line' // a JSONL line that is not valid JSON
  | 'not-an-object' // a JSON/JSONL record that is not an object
  | 'empty-text' // the text (or text-pair) column is empty: row skipped
  | 'empty-label' // the label column is empty: row skipped
  | 'replaced-chars' // bytes that are not valid UTF-8 were replaced by U+FFFD
  | 'repeated-label' // a multi-label cell lists one label more than once: kept once (the row is kept)
  | 'repeated-column'; // a header that gives one name to two columns (the repeat is renamed 'name (2)')

/** A problem with one row. `line` is the 1-based line of the file where the row starts. */
export interface DataIssue {
  code: DataIssueCode;
  line: number;
  message: string;
}

/** The most line numbers an error message or summary lists. */
export const MAX_LISTED_LINES = 10;

export class DataError extends Error {
  constructor(
    readonly code: DataErrorCode,
    message: string,
    /** Lines the error is about (1-based, at most MAX_LISTED_LINES * 2 kept), when it is about rows. */
    readonly lines: number[] = [],
  ) {
    super(message);
    this.name = 'DataError';
  }
}

/** "1,234" */
export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "lines 3, 7, 9 and 41 more" — at most `max` numbers. */
export function listLines(lines: readonly number[], max = MAX_LISTED_LINES): string {
  if (lines.length === 0) return 'no lines';
  const shown = lines.slice(0, max).join(', ');
  const more = lines.length > max ? ` and ${fmtCount(lines.length - max)} more` : '';
  return `${lines.length === 1 ? 'line' : 'lines'} ${shown}${more}`;
}

/** `'a', 'b', 'c' and 4 more` */
export function listNames(names: readonly string[], max = MAX_LISTED_LINES): string {
  const shown = names.slice(0, max).map((n) => `'${n}'`).join(', ');
  return names.length > max ? `${shown} and ${fmtCount(names.length - max)} more` : shown;
}

export interface IssueSummary {
  code: DataIssueCode;
  count: number;
  /** The first MAX_LISTED_LINES line numbers. */
  lines: number[];
  /** One sentence: the first issue's message generalised with the count and the line list. */
  message: string;
}

/** Groups per-row issues by code, in order of first appearance, with capped line lists. */
export function summarizeIssues(issues: readonly DataIssue[], max = MAX_LISTED_LINES): IssueSummary[] {
  const groups = new Map<DataIssueCode, DataIssue[]>();
  for (const issue of issues) {
    const g = groups.get(issue.code);
    if (g) g.push(issue);
    else groups.set(issue.code, [issue]);
  }
  const out: IssueSummary[] = [];
  for (const [code, list] of groups) {
    const lines = list.map((i) => i.line);
    const first = list[0].message;
    const message =
      list.length === 1 ? first : `${fmtCount(list.length)} rows: ${SUMMARY[code]} (${listLines(lines, max)}). First: ${first}`;
    out.push({ code, count: list.length, lines: lines.slice(0, max), message });
  }
  return out;
}

const SUMMARY: Record<DataIssueCode, string> = {
  'ragged-row': 'a different number of fields than the header, padded or cut',
  'bad-quotes': 'a malformed quoted field',
  'bad-json-line': 'not valid JSON, skipped',
  'not-an-object': 'not a JSON object, skipped',
  'empty-text': 'an empty text, skipped',
  'empty-label': 'an empty label, skipped',
  'replaced-chars': 'bytes that are not UTF-8, replaced by U+FFFD',
  'repeated-label': 'a label listed twice in its cell, kept once',
  'repeated-column': 'a column name the header gives twice, the repeat renamed',
};
