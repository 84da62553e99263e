// A parsed dataset file as the parsing worker hands it over (src/worker/parse-protocol.ts carries it): the table,
// how it was read and what was detected. Design decision: these are data-module types — the store and the UI
// read them from here, never from a worker's protocol.
import type { EncodingInfo, ParsedTable, ParseOptions } from './types';

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
