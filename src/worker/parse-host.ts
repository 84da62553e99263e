// What the parsing worker does for one request: read the bytes (with progress), sniff the format, parse the
// whole text (with progress). Plain functions, no worker globals, so Node tests run them directly.
// Design decision: progress is two stages, reading then parsing, each reported as a 0..1 fraction and
// throttled (at most every 1% or 100 ms), so a 4 MB file sends a few hundred messages, not one per row.
import { DataError } from '../data/errors';
import { parse } from '../data/parse';
import { sniff } from '../data/sniff';
import type { FileReadOptions, ParsedFile, ParseStage, WorkerDataError } from './parse-protocol';

export type ProgressFn = (stage: ParseStage, fraction: number) => void;

/** Calls `fn` when the fraction moved by 1% or 100 ms passed, and always for 0 and 1. */
export function throttleProgress(fn: ProgressFn, now: () => number = () => Date.now()): ProgressFn {
  let lastStage: ParseStage | null = null;
  let lastFraction = -1;
  let lastTime = 0;
  return (stage, fraction) => {
    const t = now();
    if (stage !== lastStage || fraction === 0 || fraction === 1 || fraction - lastFraction >= 0.01 || t - lastTime >= 100) {
      lastStage = stage;
      lastFraction = fraction;
      lastTime = t;
      fn(stage, fraction);
    }
  };
}

/** A Blob's bytes, read as a stream so large files report progress. */
export async function readBytes(blob: Blob, onProgress?: ProgressFn): Promise<Uint8Array> {
  const size = blob.size;
  onProgress?.('reading', 0);
  if (size === 0) return new Uint8Array(0);
  const out = new Uint8Array(size);
  const reader = blob.stream().getReader();
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    out.set(value, loaded);
    loaded += value.length;
    onProgress?.('reading', Math.min(loaded / size, 1));
  }
  return out.subarray(0, loaded);
}

/**
 * Reads and parses one dataset source. Without `override` every option is detected (sniff); with it, the named
 * options replace the detected ones and the file is parsed again with them. Throws DataError.
 */
export async function parseSource(source: Blob | string, name: string, override: Partial<FileReadOptions> = {}, onProgress?: ProgressFn): Promise<ParsedFile> {
  const input = typeof source === 'string' ? source : await readBytes(source, onProgress);
  const size = typeof source === 'string' ? new TextEncoder().encode(source).length : source.size;
  const sniffed = sniff(input, name);
  const options: FileReadOptions = {
    format: override.format ?? sniffed.format,
    delimiter: override.delimiter ?? sniffed.delimiter,
    quoting: override.quoting ?? sniffed.quoting,
    hasHeader: override.hasHeader ?? sniffed.hasHeader,
  };
  const detected = Object.keys(override).every((k) => override[k as keyof FileReadOptions] === undefined || override[k as keyof FileReadOptions] === sniffed[k as keyof FileReadOptions]);
  onProgress?.('parsing', 0);
  const table = parse(sniffed.text, { ...options, onProgress: (f) => onProgress?.('parsing', f) }, name);
  const notes = detected ? sniffed.notes : [...sniffed.notes, `changed by you: ${describeOverride(override, sniffed)}`];
  return { name, size, options, detected, notes, encoding: sniffed.encoding, table };
}

function describeOverride(override: Partial<FileReadOptions>, sniffed: FileReadOptions): string {
  const parts: string[] = [];
  if (override.format !== undefined && override.format !== sniffed.format) parts.push(`format ${override.format}`);
  if (override.delimiter !== undefined && override.delimiter !== sniffed.delimiter) parts.push(`delimiter ${JSON.stringify(override.delimiter)}`);
  if (override.quoting !== undefined && override.quoting !== sniffed.quoting) parts.push(`quoting ${override.quoting}`);
  if (override.hasHeader !== undefined && override.hasHeader !== sniffed.hasHeader) parts.push(override.hasHeader ? 'first row is a header' : 'no header row');
  return parts.join(', ');
}

/** An error as data that survives postMessage. */
export function errorToData(err: unknown): WorkerDataError {
  if (err instanceof DataError) return { name: 'DataError', message: err.message, code: err.code, lines: [...err.lines] };
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: 'Error', message: String(err) };
}
