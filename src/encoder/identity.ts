// The encoder's identity: what a feature-cache key and a head file's `encoder_hash` name. Features depend on the
// ONNX model AND on how texts become token ids (tokenizer.json, config.json's pad id and limits) AND on this
// program's encode code (truncation, the character cut, pooling), so the identity is the SHA-256 of all three:
//   hash = SHA-256("labeltune-encoder-identity/v1" \0 SHA-256(model.onnx) \0 SHA-256(tokenizer.json) \0
//                  SHA-256(config.json) \0 ENCODER_CODE_VERSION)
// with the JSON files hashed as JSON.stringify of their parsed value (config.json absent: the empty string).
// Design decision: one string (EncoderInfo.hash) carries it, so every place that compared model hashes (cache
// keys, head import, the studio's "same encoder?" checks) now compares identities without changing shape; the
// parts are kept beside it (modelSha256, tokenizerSha256) for messages and the combined ONNX export.
import type { ModelFiles } from './model-files';

/**
 * Bumped whenever the encode pipeline's output for a given model + tokenizer changes (tokenisation, truncation,
 * pooling, the cut before tokenising): old cache entries and heads then no longer match.
 *   1: model hash only (before issue 12)   2: texts cut to 64*Tmax characters (1,024 to 131,072) before tokenising
 */
export const ENCODER_CODE_VERSION = 2;

const DOMAIN = 'labeltune-encoder-identity/v1';

/** Hex SHA-256 of bytes (Web Crypto: browsers, workers and Node >= 19). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  // A fresh copy: `bytes` may be a Node Buffer view into a larger pool, or a buffer another thread may detach.
  const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(bytes));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const text = (s: string) => new TextEncoder().encode(s);

export interface EncoderIdentity {
  /** The identity (EncoderInfo.hash). */
  hash: string;
  /** SHA-256 of the ONNX file's bytes. */
  modelSha256: string;
  /** SHA-256 of tokenizer.json as parsed and re-serialised. */
  tokenizerSha256: string;
}

/** The identity of an encoder's files (see the header). */
export async function encoderIdentity(files: Pick<ModelFiles, 'model' | 'tokenizerJson' | 'config'>): Promise<EncoderIdentity> {
  const [modelSha256, tokenizerSha256, configSha256] = await Promise.all([
    sha256Hex(files.model),
    sha256Hex(text(JSON.stringify(files.tokenizerJson) ?? '')),
    sha256Hex(text(files.config === undefined ? '' : JSON.stringify(files.config))),
  ]);
  const hash = await sha256Hex(text([DOMAIN, modelSha256, tokenizerSha256, configSha256, String(ENCODER_CODE_VERSION)].join('\0')));
  return { hash, modelSha256, tokenizerSha256 };
}
