// Messages between the main thread (parse-client.ts) and the dataset-parsing Web Worker (parse-worker.ts).
// Design decision: a request carries the File itself (Blobs cross postMessage without copying their bytes) or
// a pasted string, and the worker answers with plain data — the parsed table and what was detected — so the
// main thread never decodes or splits a multi-megabyte file; errors cross as {name, message, code, lines} and
// are rebuilt as DataError on the other side.
import type { DataErrorCode } from '../data/errors';

export type { FileReadOptions, ParsedFile, ParseStage } from '../data/parsed-file';
import type { FileReadOptions, ParsedFile, ParseStage } from '../data/parsed-file';

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
