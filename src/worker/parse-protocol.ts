// Messages between the main thread (parse-client.ts) and the dataset-parsing Web Worker (parse-worker.ts).
// Design decision: a request carries the File itself (Blobs cross postMessage without copying their bytes) or
// a pasted string, and the worker answers with plain data — the parsed table and what was detected — so the
// main thread never decodes or splits a multi-megabyte file; errors cross as {name, message, code, lines} and
// are rebuilt as DataError on the other side.
import type { DataErrorCode } from '../data/errors';
import type { EncodingInfo, ParsedTable, ParseOptions } from '../data/types';

/** How a file is read: the detected options, or the user's override of some of them. */
export type FileReadOptions = Required<Pick<ParseOptions, 'format' | 'delimiter' | 'quoting' | 'hasHeader'>>;

/** A parsed dataset file, as the worker returns it. */
export interface ParsedFile {
  name: string;
  /** Size of the source in bytes (UTF-16 code units x 2 for pasted text is not used: its UTF-8 length). */
  size: number;
  /** How it was read. */
  options: FileReadOptions;
  /** True when `options` are all detected (no user override). */
  detected: boolean;
  /** Why the format, delimiter and header were chosen, and encoding notes (one sentence each). */
  notes: string[];
  encoding: EncodingInfo;
  table: ParsedTable;
}

export type ParseStage = 'reading' | 'parsing';

export interface ParseRequest {
  type: 'parse';
  id: number;
  source: Blob | string;
  name: string;
  /** Options that replace the detected ones (e.g. hasHeader turned off by the user). */
  override?: Partial<FileReadOptions>;
}

export interface WorkerDataError {
  name: string;
  message: string;
  code?: DataErrorCode;
  lines?: number[];
}

export type ParseResponse =
  | { type: 'progress'; id: number; stage: ParseStage; fraction: number }
  | { type: 'parsed'; id: number; file: ParsedFile }
  | { type: 'error'; id: number; error: WorkerDataError };
