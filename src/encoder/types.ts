// Shared types of the frozen-encoder module (src/encoder is the only place that imports onnxruntime).
// Design decision: the encoder hands out *unpadded* per-example features — token states (t, C) and a pooled
// vector (C) — because that is what the feature cache stores and what the heads batch by length themselves.

/** Which onnxruntime execution provider actually ran the model (asserted after session creation). */
export type ExecutionProvider = 'wasm' | 'webgpu' | 'cpu';

/** "auto": wasm on a fallback (CPU) WebGPU adapter or when WebGPU is missing, webgpu on a real GPU. */
export type EpPolicy = 'auto' | 'wasm' | 'webgpu';

export interface EncoderInfo {
  /** Human-readable model name, e.g. "use-lite" or "Xenova/all-MiniLM-L6-v2". */
  name: string;
  /**
   * The encoder's identity in caches and exported heads: SHA-256 over the model, tokenizer.json, config.json and
   * the encode code's version (./identity.ts). A changed tokenizer beside the same model.onnx is another encoder.
   */
  hash: string;
  /** Hex SHA-256 of the ONNX file's bytes. */
  modelSha256: string;
  /** Hex SHA-256 of tokenizer.json (as parsed and re-serialised). */
  tokenizerSha256: string;
  /** Width C of token states and pooled vectors. */
  hiddenSize: number;
  /** True when the model has its own sentence-embedding output (else pooled = masked mean of token states). */
  hasPooledOutput: boolean;
  /** True when the model takes token_type_ids (BERT-style pair input `[CLS] a [SEP] b [SEP]`). */
  hasPairInput: boolean;
  /** The longest token sequence the model accepts (Tmax is clipped to it). */
  maxTokens: number;
  /** The execution provider that runs it. */
  ep: ExecutionProvider;
}

/** One encoded text (or text pair): what the feature cache stores and the heads read. */
export interface EncodedExample {
  /** (length, C) token states, unpadded, row-major. */
  tokens: Float32Array;
  /** Number of token rows. For pairs encoded side by side: the first `segmentA` rows are side A. */
  length: number;
  /** (C) pooled vector. For pairs encoded side by side: [u, v, |u-v|, u*v] is built by the head, not here. */
  pooled: Float32Array;
  /** Pairs encoded side by side only: rows [0, segmentA) are side A, the rest side B. */
  segmentA?: number;
  /** Pairs encoded side by side only: side B's pooled vector (pooled holds side A's). */
  pooledB?: Float32Array;
}

export interface EncodeProgress {
  done: number;
  total: number;
  textsPerSecond: number;
  /** Seconds left at the current rate (NaN before the first batch). */
  etaSeconds: number;
  /** Texts served from the feature cache so far. */
  cached: number;
}

/**
 * The feature cache as the encoder sees it (implemented in feature-cache.ts). Keys come from cacheKey():
 * (model hash, Tmax, SHA-256 of the text or pair). A corrupt entry must read as a miss, never as data.
 */
export interface FeatureStore {
  get(key: string): Promise<EncodedExample | null>;
  put(key: string, example: EncodedExample): Promise<void>;
}
