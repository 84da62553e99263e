// What a text encoder is made of (ONNX bytes + tokenizer.json + our config.json) and the checks that decide
// whether a model fits the encoder's interface, before and after a session exists.
// Design decision: the interface check is a pure function over (name, type, shape) metadata, so every model
// source (embedded, local files, hub download) and the session report the same specific error — naming what
// was expected and what was found — instead of an opaque onnxruntime failure at the first run.

/** The files of one encoder model, as every model source hands them to the encoder. */
export interface ModelFiles {
  /** Human-readable name ("use-lite", "Xenova/all-MiniLM-L6-v2"); shown in errors and EncoderInfo. */
  name: string;
  /** The .onnx file's bytes. */
  model: Uint8Array;
  /** The parsed tokenizer.json (Hugging Face tokenizers format). */
  tokenizerJson: unknown;
  /** The parsed config.json, if there is one (keys read: see EncoderConfig). */
  config?: Record<string, unknown>;
}

/**
 * The config.json keys the encoder reads. Two spellings are accepted: Hugging Face's (`hidden_size`,
 * `max_position_embeddings`, `pad_token_id`, plus `max_tokens` / `pooled_output`) and our converters'
 * (`format: "labeltune-encoder-config"`: `hiddenSize`, `maxTokens`, `pooledOutput`, `padTokenId`).
 */
export interface EncoderConfig {
  /** Width C (`hidden_size`); else taken from the model's output shape. */
  hiddenSize?: number;
  /** Longest token sequence: `max_tokens`, else `max_position_embeddings`, else `model_max_length`. */
  maxTokens?: number;
  /** Name of the pooled sentence-embedding output (`pooled_output`); default "sentence_embedding" if present. */
  pooledOutput?: string;
  /** Id used to pad (`pad_token_id`); else the tokenizer's [PAD]/<pad> token, else 0. */
  padTokenId?: number;
}

/** Metadata of one model input or output, as onnxruntime reports it (`session.inputMetadata`). */
export interface ValueInfo {
  name: string;
  /** Element type ("int64", "float32", ...); undefined when the value is not a tensor. */
  type?: string;
  /** Dims, numbers or symbolic names; [] when unknown. */
  shape: ReadonlyArray<number | string>;
}

/** How the encoder talks to a model that passed the interface check. */
export interface ModelInterface {
  /** True when the model takes token_type_ids (a BERT-style pair input). */
  hasPairInput: boolean;
  /** Name of the (batch, seq, C) token-state output: always "last_hidden_state". */
  hiddenOutput: string;
  /** Name of the (batch, C) pooled output, when the model has one. */
  pooledOutput?: string;
  /** C when the output shapes fix it, else undefined (the session probes it). */
  hiddenSize?: number;
}

export const INPUT_IDS = 'input_ids';
export const ATTENTION_MASK = 'attention_mask';
export const TOKEN_TYPE_IDS = 'token_type_ids';
export const LAST_HIDDEN_STATE = 'last_hidden_state';
export const DEFAULT_POOLED_OUTPUT = 'sentence_embedding';

/** Output element types the encoder converts to float32. */
const FLOAT_TYPES = new Set(['float32', 'float16']);

/** Throw unless `files` is a usable ModelFiles (right field types, non-empty model, tokenizer.json object with a model). */
export function validateModelFiles(files: unknown): asserts files is ModelFiles {
  const where = 'model files';
  if (typeof files !== 'object' || files === null) throw new Error(`${where}: expected an object { name, model, tokenizerJson, config? }, got ${describe(files)}`);
  const f = files as Record<string, unknown>;
  if (typeof f.name !== 'string' || f.name === '') throw new Error(`${where}: "name" must be a non-empty string, got ${describe(f.name)}`);
  const name = f.name;
  if (!(f.model instanceof Uint8Array)) throw new Error(`model "${name}": "model" must be the .onnx file's bytes (Uint8Array), got ${describe(f.model)}`);
  if (f.model.byteLength === 0) throw new Error(`model "${name}": the .onnx file is empty (0 bytes); re-download or re-generate it`);
  const tj = f.tokenizerJson;
  if (typeof tj !== 'object' || tj === null || Array.isArray(tj)) {
    throw new Error(`model "${name}": "tokenizerJson" must be the parsed tokenizer.json object, got ${describe(tj)}`);
  }
  const model = (tj as Record<string, unknown>).model;
  if (typeof model !== 'object' || model === null) {
    throw new Error(`model "${name}": tokenizer.json has no "model" section; is this a Hugging Face tokenizers file (not tokenizer_config.json or vocab.txt)?`);
  }
  if (f.config !== undefined && (typeof f.config !== 'object' || f.config === null || Array.isArray(f.config))) {
    throw new Error(`model "${name}": "config" must be the parsed config.json object when given, got ${describe(f.config)}`);
  }
}

/** Read the keys the encoder uses from config.json, checking their types. */
export function readEncoderConfig(name: string, config: Record<string, unknown> | undefined): EncoderConfig {
  const c = config ?? {};
  /** The first of `keys` present; every present one must hold the same value. */
  const pick = (...keys: string[]): { key: string; value: unknown } | undefined => {
    const present = keys.filter((k) => c[k] !== undefined && c[k] !== null);
    for (const k of present.slice(1)) {
      if (c[k] !== c[present[0]]) {
        throw new Error(`model "${name}": config.json "${present[0]}" (${String(c[present[0]])}) and "${k}" (${String(c[k])}) disagree`);
      }
    }
    return present.length ? { key: present[0], value: c[present[0]] } : undefined;
  };
  const int = (...keys: string[]): number | undefined => {
    const p = pick(...keys);
    if (!p) return undefined;
    if (typeof p.value !== 'number' || !Number.isInteger(p.value) || p.value < 0) {
      throw new Error(`model "${name}": config.json "${p.key}" must be a non-negative integer, got ${describe(p.value)}`);
    }
    return p.value;
  };
  const hiddenSize = int('hiddenSize', 'hidden_size');
  if (hiddenSize === 0) throw new Error(`model "${name}": config.json "hidden_size" is 0`);
  // Our explicit token limit wins over the position-table size (a model may mask positions beyond it).
  const maxTokens = int('maxTokens', 'max_tokens') ?? int('max_position_embeddings') ?? int('model_max_length');
  if (maxTokens === 0) throw new Error(`model "${name}": config.json gives a maximum of 0 tokens`);
  const pooled = pick('pooledOutput', 'pooled_output');
  if (pooled !== undefined && (typeof pooled.value !== 'string' || pooled.value === '')) {
    throw new Error(`model "${name}": config.json "${pooled.key}" must be an output name, got ${describe(pooled.value)}`);
  }
  return { hiddenSize, maxTokens, pooledOutput: pooled?.value as string | undefined, padTokenId: int('padTokenId', 'pad_token_id') };
}

/**
 * Check a model's inputs and outputs against the encoder interface:
 * inputs `input_ids`, `attention_mask` (int64 [batch, seq]) and optionally `token_type_ids` (nothing else);
 * outputs `last_hidden_state` (float [batch, seq, C]) and optionally a pooled output (float [batch, C]) named by
 * config `pooled_output` or "sentence_embedding". Throws an error naming what was expected and what was found.
 */
export function checkModelInterface(
  name: string,
  inputs: readonly ValueInfo[],
  outputs: readonly ValueInfo[],
  config: EncoderConfig = {},
): ModelInterface {
  const inNames = inputs.map((i) => i.name);
  const outNames = outputs.map((o) => o.name);
  const expectedIn = `expected ${INPUT_IDS} and ${ATTENTION_MASK} (and optionally ${TOKEN_TYPE_IDS})`;
  const missingIn = [INPUT_IDS, ATTENTION_MASK].filter((n) => !inNames.includes(n));
  const extraIn = inNames.filter((n) => n !== INPUT_IDS && n !== ATTENTION_MASK && n !== TOKEN_TYPE_IDS);
  if (missingIn.length > 0 || extraIn.length > 0) {
    const what = [
      missingIn.length ? `missing ${missingIn.join(', ')}` : '',
      extraIn.length ? `unsupported ${extraIn.join(', ')}` : '',
    ].filter(Boolean).join('; ');
    throw new Error(`model "${name}" has inputs [${inNames.join(', ')}]; ${expectedIn} (${what}). ` +
      'Export a text encoder with the standard Hugging Face interface (e.g. a transformers.js onnx/model.onnx).');
  }
  for (const inp of inputs) {
    if (inp.type !== 'int64') {
      throw new Error(`model "${name}": input ${inp.name} has type ${inp.type ?? 'non-tensor'}; expected int64 [batch, seq]`);
    }
    if (inp.shape.length !== 0 && inp.shape.length !== 2) {
      throw new Error(`model "${name}": input ${inp.name} has shape [${inp.shape.join(', ')}]; expected [batch, seq]`);
    }
  }

  const hidden = outputs.find((o) => o.name === LAST_HIDDEN_STATE);
  if (!hidden) {
    throw new Error(`model "${name}" has outputs [${outNames.join(', ')}]; expected ${LAST_HIDDEN_STATE} [batch, seq, C] ` +
      `(and optionally ${config.pooledOutput ?? DEFAULT_POOLED_OUTPUT} [batch, C])`);
  }
  checkFloatOutput(name, hidden, 3, '[batch, seq, C]');
  let pooledOutput: string | undefined;
  if (config.pooledOutput !== undefined) {
    if (!outNames.includes(config.pooledOutput)) {
      throw new Error(`model "${name}": config.json names the pooled output "${config.pooledOutput}", but the model has outputs [${outNames.join(', ')}]`);
    }
    pooledOutput = config.pooledOutput;
  } else if (outNames.includes(DEFAULT_POOLED_OUTPUT)) {
    pooledOutput = DEFAULT_POOLED_OUTPUT;
  }
  const pooled = pooledOutput === undefined ? undefined : outputs.find((o) => o.name === pooledOutput)!;
  if (pooled) checkFloatOutput(name, pooled, 2, '[batch, C]');

  // C from the shapes where they fix it; all sources must agree.
  const sizes: [string, number][] = [];
  const hc = hidden.shape.length === 3 ? hidden.shape[2] : undefined;
  if (typeof hc === 'number') sizes.push([`${LAST_HIDDEN_STATE} shape`, hc]);
  const pc = pooled && pooled.shape.length === 2 ? pooled.shape[1] : undefined;
  if (typeof pc === 'number') sizes.push([`${pooledOutput} shape`, pc]);
  if (config.hiddenSize !== undefined) sizes.push(['config.json hidden_size', config.hiddenSize]);
  if (sizes.some(([, v]) => v !== sizes[0][1])) {
    throw new Error(`model "${name}": the hidden size disagrees: ${sizes.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  return {
    hasPairInput: inNames.includes(TOKEN_TYPE_IDS),
    hiddenOutput: LAST_HIDDEN_STATE,
    pooledOutput,
    hiddenSize: sizes.length ? sizes[0][1] : undefined,
  };
}

function checkFloatOutput(name: string, v: ValueInfo, rank: number, dims: string): void {
  if (v.type === undefined || !FLOAT_TYPES.has(v.type)) {
    throw new Error(`model "${name}": output ${v.name} has type ${v.type ?? 'non-tensor'}; expected float32 (or float16) ${dims}`);
  }
  if (v.shape.length !== 0 && v.shape.length !== rank) {
    throw new Error(`model "${name}": output ${v.name} has shape [${v.shape.join(', ')}]; expected ${dims}`);
  }
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing (undefined)';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (v instanceof ArrayBuffer) return 'an ArrayBuffer (wrap it: new Uint8Array(buffer))';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (typeof v === 'object') return `an object with keys [${Object.keys(v).slice(0, 8).join(', ')}]`;
  return `${typeof v} ${String(v)}`;
}
