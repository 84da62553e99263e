// The feature-cache key of one text (or text pair): hex SHA-256 (WebCrypto) of a canonical byte encoding of
// (encoder identity, Tmax, text, optional pair text). The identity (EncoderInfo.hash, ./identity.ts) covers the
// ONNX model, tokenizer.json, config.json and the encode code's version: a new tokenizer beside the same
// model.onnx never reads the old tokenizer's features.
// Design decision: every string is written as its UTF-16 code units behind a u32 length, with a presence byte
// for the pair, so no two distinct inputs share an encoding: ("ab","c") != ("a","bc"), a missing pair !=
// an empty pair, and lone surrogates stay distinct (UTF-8 would turn them all into U+FFFD).

export interface CacheKeyInput {
  /** EncoderInfo.hash: the encoder's identity — model + tokenizer + config + encode code version (identity.ts). */
  modelHash: string;
  /** The token limit the text was truncated to (a positive integer). */
  tmax: number;
  /** The text, exactly as given to the tokenizer (no normalisation here). */
  text: string;
  /** Side B of a sentence pair; absent for single texts. */
  textPair?: string;
}

/** Bumped when the canonical encoding changes, so old entries can never be read under new keys. */
const KEY_DOMAIN = 'labeltune/feature-cache-key/v1';

/** What a key looks like: 64 lowercase hex digits. */
export const CACHE_KEY_PATTERN = /^[0-9a-f]{64}$/;

export function isCacheKey(key: unknown): key is string {
  return typeof key === 'string' && CACHE_KEY_PATTERN.test(key);
}

/** The canonical bytes that cacheKey() hashes (exported for tests). */
export function canonicalKeyBytes(input: CacheKeyInput): Uint8Array<ArrayBuffer> {
  const { modelHash, tmax, text, textPair } = input;
  if (typeof modelHash !== 'string' || modelHash.length === 0) {
    throw new TypeError(`cacheKey: modelHash must be a non-empty string (EncoderInfo.hash), got ${describe(modelHash)}`);
  }
  if (!Number.isInteger(tmax) || tmax < 1 || tmax > 0xffffffff) {
    throw new RangeError(`cacheKey: tmax must be a positive integer (the token limit), got ${describe(tmax)}`);
  }
  if (typeof text !== 'string') throw new TypeError(`cacheKey: text must be a string, got ${describe(text)}`);
  if (textPair !== undefined && typeof textPair !== 'string') {
    throw new TypeError(`cacheKey: textPair must be a string or absent, got ${describe(textPair)}`);
  }
  const strings = [KEY_DOMAIN, modelHash, text];
  let size = 4 + 1; // tmax, pair presence byte
  for (const s of strings) size += 4 + 2 * s.length;
  if (textPair !== undefined) size += 4 + 2 * textPair.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let p = 0;
  const putString = (s: string): void => {
    view.setUint32(p, s.length, true);
    p += 4;
    for (let i = 0; i < s.length; i++, p += 2) view.setUint16(p, s.charCodeAt(i), true);
  };
  putString(KEY_DOMAIN);
  putString(modelHash);
  view.setUint32(p, tmax, true);
  p += 4;
  putString(text);
  out[p++] = textPair === undefined ? 0 : 1;
  if (textPair !== undefined) putString(textPair);
  return out;
}

/** Hex SHA-256 of the canonical encoding of (modelHash, tmax, text, textPair?). */
export async function cacheKey(input: CacheKeyInput): Promise<string> {
  const bytes = canonicalKeyBytes(input);
  const digest = new Uint8Array(await subtle().digest('SHA-256', bytes));
  return toHex(digest);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
}

/** 32 raw bytes of a 64-hex-digit key (throws on anything else). */
export function keyToBytes(key: string): Uint8Array {
  if (!isCacheKey(key)) throw new TypeError(`feature cache: a key must be 64 lowercase hex digits from cacheKey(), got ${describe(key)}`);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = (nibble(key.charCodeAt(2 * i)) << 4) | nibble(key.charCodeAt(2 * i + 1));
  return out;
}

/** Value of a lowercase hex digit's char code ('0'-'9' = 48-57, 'a'-'f' = 97-102). */
function nibble(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new Error(
      'cacheKey: WebCrypto (crypto.subtle) is missing. It needs Node >= 20 or a browser page served over https or ' +
        'localhost (a secure context).',
    );
  }
  return s;
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? v.slice(0, 80) + '...' : v);
  return v === null ? 'null' : `${typeof v} ${String(v)}`;
}
