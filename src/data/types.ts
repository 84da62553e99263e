// Shared types of the data module (sniff -> parse -> buildDataset -> splitDataset).
// Design decision: everything here is plain data (strings, numbers, arrays) so a result can cross a Web Worker
// boundary by structured clone, and nothing in src/data touches files: callers hand in text or bytes.

import type { DataIssue } from './errors';

export type DataFormat = 'csv' | 'tsv' | 'json' | 'jsonl' | 'label-text';

/**
 * How a delimited file quotes fields. 'none': a `"` is an ordinary character (GLUE TSVs such as MRPC have bare
 * quotes); 'double-quote': RFC 4180 quoting (`"a, b"`, `""` for a quote, newlines inside quotes).
 */
export type Quoting = 'none' | 'double-quote';

/** What decode() found about the bytes. */
export interface EncodingInfo {
  /** The encoding the text was decoded from. */
  name: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';
  /** True when a byte-order mark was present (it is stripped from the text). */
  bom: boolean;
  /** Bytes that are not valid UTF-8 and became U+FFFD (0 for the other encodings). */
  replaced: number;
  /** 1-based line of the first replaced character, or 0. */
  firstReplacedLine: number;
  /** Sentences for the user, e.g. "UTF-8 byte-order mark removed". */
  notes: string[];
}

/** How to read a text: the part of a SniffResult that parse() needs; the studio lets the user change it. */
export interface ParseOptions {
  format: DataFormat;
  /** Field separator for csv/tsv ('\t' for tsv); ignored by the other formats. */
  delimiter?: string;
  /** Default: 'double-quote' for csv, 'none' for tsv. */
  quoting?: Quoting;
  /** csv/tsv: the first row holds column names. Default false. */
  hasHeader?: boolean;
  /** Called now and then with the fraction of the text parsed (0..1), for progress bars. */
  onProgress?: (fraction: number) => void;
}

export interface SniffResult extends ParseOptions {
  delimiter: string;
  quoting: Quoting;
  hasHeader: boolean;
  /** Column names: the header's, or generated `col1..colN` (label-text: `label`, `text`). */
  columns: string[];
  /** The first data rows (at most 20), one string per column. */
  preview: string[][];
  /** The whole decoded text, byte-order mark removed: hand it to parse(). */
  text: string;
  encoding: EncodingInfo;
  /** Why the format, delimiter and header were chosen, one sentence each (for a "detected" tooltip). */
  notes: string[];
  fileName?: string;
}

/** A parsed table: every record as strings, aligned with `columns`. */
export interface ParsedTable {
  format: DataFormat;
  columns: string[];
  /** rows[i][j] is column j of record i; missing values are ''. */
  rows: string[][];
  /** lines[i] is the 1-based line where record i starts in the file. */
  lines: number[];
  /** Per-row problems (the row is kept when it could be repaired, else left out of `rows`). */
  issues: DataIssue[];
}

export interface Example {
  text: string;
  /** The second text of a sentence-pair task. */
  textPair?: string;
  /** Index into Dataset.labels (multi-label: the row's first label). */
  label: number;
  /** Multi-label data only: every label of the row (indices into Dataset.labels, ascending, at least one). */
  labels?: number[];
  /** 1-based line of the file the example came from. */
  line: number;
}

export interface DatasetColumns {
  text: string;
  textPair?: string;
  label: string;
}

export interface Dataset {
  examples: Example[];
  /** Label names; an example's `label` indexes this. */
  labels: string[];
  /** counts[k] = number of examples with label k (multi-label: rows that carry label k). */
  counts: number[];
  columns: DatasetColumns;
  /** Several labels per row (./multi-label.ts): every example has `labels`. */
  multiLabel?: boolean;
  /** How the label cells list their labels (multi-label from one column). */
  labelSep?: import('./multi-label').LabelSep;
  /** Multi-label from one 0/1 column per label: those columns (then `columns.label` names the first). */
  labelColumns?: string[];
  /** Rows left out (empty text or label), with their line numbers. */
  skipped: DataIssue[];
}

export interface BuildOptions {
  /** Column with the texts. Default: guessColumns(). */
  textColumn?: string;
  /**
   * Column with the second texts of a pair task; `null` forces a single-text task. Default: guessColumns()'s
   * pair when textColumn is not given either, else none.
   */
  textPairColumn?: string | null;
  /** Column with the labels. Default: guessColumns(). */
  labelColumn?: string;
  /**
   * A fixed label order (e.g. the training set's labels when building a dev set): a value not in it is an
   * 'unseen-label' error, and a set with only one class present is accepted. Default: the labels found, ordered
   * numerically when every label is a number, else by code-unit string order (so the same label set always
   * gets the same indices, whatever order rows come in).
   */
  labelOrder?: readonly string[];
  /** Several labels per row: true forces it, false forbids it, undefined detects it (./multi-label.ts). */
  multiLabel?: boolean;
  /** The delimiter of multi-label cells (implies multiLabel unless it is false). Default: detected, else ','. */
  labelSep?: import('./multi-label').LabelSep;
  /** Label names by id (line i of a labels.txt names id i): label cells then hold ids (or these names). */
  labelNames?: readonly string[];
  /** Multi-label as one 0/1 column per label: these columns (the labels are their names). */
  labelColumns?: readonly string[];
}
