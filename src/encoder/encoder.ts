// The frozen text encoder as the rest of the app sees it: load model files on a runtime and EP, encode texts
// (and pairs) into unpadded token states and pooled vectors, dispose.
// Design decision: the EP is resolved from a policy once, at load, and the session proves it runs there
// (runtime.ts); `info.ep` is what actually ran, so every caller can report it — never a silent fallback.
import { encodeInputs, type EncodeContext, type EncodeInput, type EncodeOptions } from './encode';
import { readEncoderConfig, validateModelFiles, type ModelFiles } from './model-files';
import { loadRuntime, resolveEp, type AdapterHint, type OrtRuntime, type RuntimeKind, type RuntimeOptions } from './runtime';
import { EncoderSession } from './session';
import { TextTokenizer } from './tokenizer';
import type { EncodedExample, EncoderInfo, EpPolicy } from './types';

export type { EncodeInput, EncodeOptions } from './encode';

export interface EncoderLoadOptions extends RuntimeOptions {
  /** 'web' = onnxruntime-web (browser; Node with the wasm EP), 'node' = onnxruntime-node (cpu EP). */
  runtime: RuntimeKind | OrtRuntime;
  /** Default "auto": see resolveEp(). */
  epPolicy?: EpPolicy;
  /** The WebGPU adapter "auto" decides by (`{ isFallbackAdapter: adapter.info.isFallbackAdapter }`); none = wasm. */
  adapter?: AdapterHint | null;
  /** Default token limit per sequence (clipped to the model's maxTokens). Default: the model's maxTokens. */
  tmax?: number;
}

export class Encoder {
  private disposed = false;

  private constructor(
    readonly session: EncoderSession,
    readonly tokenizer: TextTokenizer,
    /** Default token limit (<= info.maxTokens). */
    readonly tmax: number,
  ) {}

  /** Load a model: runtime, EP (asserted), session (interface checked) and tokenizer. */
  static async load(files: ModelFiles, opts: EncoderLoadOptions): Promise<Encoder> {
    validateModelFiles(files);
    // Tokenizer first: a broken tokenizer.json fails fast, before the (slow) session creation.
    const config = readEncoderConfig(files.name, files.config);
    const tokenizer = TextTokenizer.fromJson(files.name, files.tokenizerJson, config.padTokenId);
    const rt = typeof opts.runtime === 'string' ? await loadRuntime(opts.runtime, opts) : opts.runtime;
    const ep = resolveEp(opts.epPolicy ?? 'auto', rt.kind, opts.adapter);
    const session = await EncoderSession.create(rt, files, ep);
    const tmax = clipTmax(opts.tmax, session.info);
    return new Encoder(session, tokenizer, tmax);
  }

  get info(): EncoderInfo {
    return this.session.info;
  }

  /** Which runtime and EP run the model, in words (for logs and the UI). */
  get epDescription(): string {
    return this.session.epDescription;
  }

  /**
   * Encode texts (and pairs) in input order. Empty texts are fine: a text with no tokens at all is one masked
   * pad token (length 1; tokenizer.ts). See EncodeOptions for cache, progress and cancellation.
   */
  encode(inputs: readonly EncodeInput[], opts: EncodeOptions = {}): Promise<EncodedExample[]> {
    if (this.disposed) return Promise.reject(new Error(`encoder "${this.info.name}" was disposed`));
    const ctx: EncodeContext = {
      session: this.session,
      tokenizer: this.tokenizer,
      tmax: opts.tmax === undefined ? this.tmax : clipTmax(opts.tmax, this.info),
    };
    return encodeInputs(ctx, inputs, opts);
  }

  /** Release the session (after runs in flight). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}

function clipTmax(tmax: number | undefined, info: EncoderInfo): number {
  if (tmax === undefined) return info.maxTokens;
  if (!Number.isInteger(tmax) || tmax < 1) throw new Error(`tmax must be a positive integer (a token limit), got ${tmax}`);
  return Math.min(tmax, info.maxTokens);
}
