// The one CSV writer of the program (CLI `predict` and the studio's batch-prediction download): papaparse's
// unparse with RFC 4180 quoting and formula escaping. Design decision: a cell that a spreadsheet would run as a
// formula (first character =, +, -, @, tab or CR: texts from the user's file, label names from an imported head)
// is written with a leading ' and quoted, header cells included — OWASP's advice against CSV injection. Our own
// regex, not papaparse's `escapeFormulae: true`, whose /^[=+\-@\t\r].*$/ misses a formula cell that spans lines.
import Papa from 'papaparse';

/** Cells a spreadsheet would evaluate. */
export const FORMULA_START = /^[=+\-@\t\r]/;

const OPTIONS = { escapeFormulae: FORMULA_START, quoteChar: '"', escapeChar: '"', delimiter: ',' } as const;

/** One CSV cell: formula-escaped, quoted when it holds a comma, quote, CR or LF (or was escaped). */
export function csvCell(value: string): string {
  return Papa.unparse([[value]], { ...OPTIONS, newline: '\n' });
}

/** A CSV text: the header row, then the rows, each line ended by `newline` (the last one too). */
export function toCsv(fields: readonly string[], rows: readonly (readonly string[])[], newline: '\n' | '\r\n' = '\n'): string {
  // With no rows papaparse already ends the header line.
  if (rows.length === 0) return `${fields.map(csvCell).join(',')}${newline}`;
  return `${Papa.unparse({ fields: [...fields], data: rows.map((r) => [...r]) }, { ...OPTIONS, newline })}${newline}`;
}
