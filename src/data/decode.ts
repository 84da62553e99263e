// Bytes -> text for dataset files: byte-order marks, UTF-16, a Windows-1252 fallback, and the two files that are
// not datasets at all (empty ones and binary ones), each refused with a coded DataError.
// Design decision: UTF-8 is assumed and decoded leniently (bad bytes become U+FFFD and are counted, with the
// first line they occur on) — one stray byte in a 5,000-line file (TREC's train.txt has one) must not refuse
// the file. Only when a file has bad UTF-8 *and no valid multi-byte character at all* is it re-read as
// Windows-1252, which is what a legacy "ANSI" export from Excel or Notepad is. Line breaks come out as '\n' only.

import { DataError, fmtCount } from './errors';
import type { EncodingInfo } from './types';

/** How much of the start of a file the binary checks look at. */
const SAMPLE_BYTES = 1 << 20;

const SIGNATURES: { bytes: number[]; what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (an Excel .xlsx or a .docx file is one)' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'an old Office document (.xls/.doc)' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image' },
  { bytes: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], what: 'an SQLite database' },
];

function startsWith(bytes: Uint8Array, sig: readonly number[]): boolean {
  if (bytes.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[i] !== sig[i]) return false;
  return true;
}

const HOW_TO_FIX = 'Use a text file: CSV, TSV, JSON, JSONL, or one `LABEL text` example per line.';

function binaryError(name: string, why: string): DataError {
  return new DataError('binary-file', `${name} is not a text file: ${why}. ${HOW_TO_FIX}`);
}

function emptyError(name: string, why: string): DataError {
  return new DataError('empty-file', `${name} is empty (${why}). ${HOW_TO_FIX}`);
}

/**
 * Every line break as '\n': '\r\n' and a lone '\r' (old Mac) alike, so a file mixing them never merges rows
 * (papaparse guesses ONE newline per file). A '\r\n' inside a quoted field becomes '\n' too.
 */
export function unifyLineBreaks(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** 1-based line number of a character offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** UTF-16 without a byte-order mark: one byte of most pairs is NUL (ASCII text). */
function guessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 8) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > 0.4 * pairs && evenNul < 0.05 * pairs) return 'utf-16le';
  if (evenNul > 0.4 * pairs && oddNul < 0.05 * pairs) return 'utf-16be';
  return null;
}

/** Throws 'binary-file' for NUL bytes or many control characters in the first MiB (finish() scans the rest for NUL). */
function checkControlBytes(bytes: Uint8Array, name: string): void {
  const n = Math.min(bytes.length, SAMPLE_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b === 0) throw binaryError(name, `it has a NUL byte at offset ${fmtCount(i)}`);
    // Control characters other than tab, newline, vertical tab, form feed, carriage return and escape.
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0b && b !== 0x0c && b !== 0x0d && b !== 0x1b) control++;
  }
  if (control > 0.01 * n) throw binaryError(name, `${fmtCount(control)} of its first ${fmtCount(n)} bytes are control characters`);
}

function finish(text: string, encoding: EncodingInfo, name: string): { text: string; encoding: EncodingInfo } {
  if (text.trim() === '') throw emptyError(name, `${fmtCount(text.length)} characters, all whitespace`);
  // The byte checks sample the first MiB only; a NUL further on must not slip into a text (a native scan).
  const nul = text.indexOf('\0');
  if (nul !== -1) throw binaryError(name, `it has a NUL byte on line ${fmtCount(lineOf(text, nul))}`);
  return { text, encoding };
}

/**
 * Decodes a dataset file's bytes. Throws DataError 'empty-file' (no bytes / only whitespace) or 'binary-file'
 * (a known binary signature, NUL bytes, many control characters, or mostly invalid UTF-8).
 */
export function decode(bytes: Uint8Array, fileName?: string): { text: string; encoding: EncodingInfo } {
  const name = fileName ? `'${fileName}'` : 'The file';
  if (bytes.length === 0) throw emptyError(name, '0 bytes');

  // Byte-order marks first: a UTF-16 BOM looks like binary to the checks below.
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    const enc = bytes[0] === 0xff ? 'utf-16le' : 'utf-16be';
    const text = unifyLineBreaks(new TextDecoder(enc).decode(bytes.subarray(2)));
    const encoding: EncodingInfo = { name: enc, bom: true, replaced: 0, firstReplacedLine: 0, notes: [`decoded as ${enc.toUpperCase()} (byte-order mark)`] };
    if (text.includes('\0')) throw binaryError(name, 'it has NUL characters');
    return finish(text, encoding, name);
  }
  const utf16 = guessUtf16(bytes);
  if (utf16) {
    const text = unifyLineBreaks(new TextDecoder(utf16).decode(bytes));
    if (text.includes('\0')) throw binaryError(name, 'it has NUL characters');
    return finish(text, { name: utf16, bom: false, replaced: 0, firstReplacedLine: 0, notes: [`decoded as ${utf16.toUpperCase()} (no byte-order mark; guessed from NUL bytes)`] }, name);
  }

  const bom = startsWith(bytes, [0xef, 0xbb, 0xbf]);
  const body = bom ? bytes.subarray(3) : bytes;
  if (body.length === 0) throw emptyError(name, 'only a byte-order mark');
  for (const sig of SIGNATURES) {
    if (startsWith(body, sig.bytes)) throw binaryError(name, `it looks like ${sig.what}`);
  }
  checkControlBytes(body, name);

  const notes: string[] = bom ? ['UTF-8 byte-order mark removed'] : [];
  const text = unifyLineBreaks(new TextDecoder('utf-8', { ignoreBOM: true }).decode(body));
  const first = text.indexOf('\ufffd');
  if (first === -1) return finish(text, { name: 'utf-8', bom, replaced: 0, firstReplacedLine: 0, notes }, name);
  let replaced = 0;
  for (let i = first; i !== -1; i = text.indexOf('\ufffd', i + 1)) replaced++;
  const otherNonAscii = /[^\x00-\x7f\ufffd]/.test(text);
  if (!otherNonAscii && !bom) {
    const latin = unifyLineBreaks(new TextDecoder('windows-1252').decode(body));
    notes.push(`not valid UTF-8 (${fmtCount(replaced)} bad bytes, the first on line ${lineOf(text, first)}) and no UTF-8 characters: decoded as Windows-1252`);
    return finish(latin, { name: 'windows-1252', bom: false, replaced: 0, firstReplacedLine: 0, notes }, name);
  }
  if (replaced > 0.05 * text.length) {
    throw binaryError(name, `${fmtCount(replaced)} of its ${fmtCount(text.length)} characters are not valid UTF-8`);
  }
  const firstReplacedLine = lineOf(text, first);
  notes.push(`${fmtCount(replaced)} bytes that are not valid UTF-8 were replaced by U+FFFD (the first on line ${firstReplacedLine})`);
  return finish(text, { name: 'utf-8', bom, replaced, firstReplacedLine, notes }, name);
}

/** The same checks for text that is already a string (pasted text, a FileReader result). */
export function checkText(input: string, fileName?: string): { text: string; encoding: EncodingInfo } {
  const name = fileName ? `'${fileName}'` : 'The text';
  const bom = input.charCodeAt(0) === 0xfeff;
  const text = unifyLineBreaks(bom ? input.slice(1) : input);
  if (text.length === 0) throw emptyError(name, bom ? 'only a byte-order mark' : '0 characters');
  const nul = text.indexOf('\0');
  if (nul !== -1) throw binaryError(name, `it has a NUL character on line ${lineOf(text, nul)}`);
  const notes = bom ? ['byte-order mark removed'] : [];
  let replaced = 0;
  let first = -1;
  for (let i = text.indexOf('\ufffd'); i !== -1; i = text.indexOf('\ufffd', i + 1)) {
    replaced++;
    if (first < 0) first = i;
  }
  const firstReplacedLine = first < 0 ? 0 : lineOf(text, first);
  if (replaced) notes.push(`${fmtCount(replaced)} U+FFFD replacement characters (the first on line ${firstReplacedLine})`);
  return finish(text, { name: 'utf-8', bom, replaced, firstReplacedLine, notes }, name);
}
