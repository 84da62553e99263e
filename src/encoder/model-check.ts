// Cheap checks that model-source bytes are what they claim to be, before onnxruntime or the tokenizer sees them.
// Design decision: an ONNX file is recognised by walking the *top level* of its protobuf (a few hops over
// length-delimited fields, no decoding of weights), so a 100 MB model is checked in microseconds, while the
// usual wrong files — an HTML error page, a Git LFS pointer, a zip, JSON, a truncated download — each get a
// message that names the file and says how to fix it. Every error is a ModelSourceError with a stable code.

export type ModelSourceErrorCode =
  | 'not-onnx' // the model file is not an ONNX protobuf
  | 'bad-json' // tokenizer.json / config.json do not parse or have the wrong shape
  | 'missing-file' // a required file (model .onnx, tokenizer.json) was not given / not found
  | 'not-generated' // the embedded default model has not been generated yet
  | 'bad-repo-id' // not an owner/name Hugging Face repository id
  | 'not-found' // HTTP 404
  | 'unauthorized' // HTTP 401/403 (gated or private repository)
  | 'http' // any other HTTP error status
  | 'network' // the server could not be reached
  | 'too-large'; // a file larger than its kind can be (a forged Content-Length, an endless stream)

export class ModelSourceError extends Error {
  constructor(
    readonly code: ModelSourceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelSourceError';
  }
}

const MIB = 1024 * 1024;

function formatBytes(n: number): string {
  return n >= MIB ? `${(n / MIB).toFixed(1)} MiB` : `${n} bytes`;
}

/** Field number -> protobuf wire type of onnx.ModelProto's top-level fields (onnx.proto3). */
const MODEL_PROTO_FIELDS: Record<number, number> = {
  1: 0, // ir_version: int64
  2: 2, // producer_name
  3: 2, // producer_version
  4: 2, // domain
  5: 0, // model_version: int64
  6: 2, // doc_string
  7: 2, // graph: GraphProto
  8: 2, // opset_import: repeated OperatorSetIdProto
  14: 2, // metadata_props
  20: 2, // training_info
  25: 2, // functions
};

function startsWithText(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** What a non-ONNX file looks like, from its first bytes; null when nothing recognisable. */
function sniffWrongFormat(bytes: Uint8Array): string | null {
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09 || bytes[i] === 0xef || bytes[i] === 0xbb || bytes[i] === 0xbf)) i++;
  const head = bytes.subarray(i);
  if (startsWithText(head, 'version https://git-lfs')) {
    return 'a Git LFS pointer (a small text stub), not the model itself: fetch the real file (`git lfs pull`, or download it from the hub page)';
  }
  if (head[0] === 0x3c /* < */) return 'an HTML/XML page (a server answered with a web page, e.g. an error or login page), not a model';
  if (head[0] === 0x7b /* { */ || head[0] === 0x5b /* [ */) return 'a JSON file, not a model (did you pick tokenizer.json or config.json as the model?)';
  if (startsWithText(bytes, 'PK\x03\x04')) return 'a zip archive: unzip it and pick the .onnx file inside';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return 'gzip-compressed: decompress it first';
  if (bytes.length >= 8 && startsWithText(bytes.subarray(4), 'ORTM')) {
    return 'an ORT-format model (.ort): pick the original .onnx file instead';
  }
  if (startsWithText(bytes, '\x89HDF') || startsWithText(bytes, 'PYTORCH') || (bytes[0] === 0x80 && bytes[1] <= 5)) {
    return 'a PyTorch/HDF5 checkpoint: export the model to ONNX first (e.g. with `optimum-cli export onnx`)';
  }
  return null;
}

/** Read a base-128 varint at pos; returns [value, next pos] or null if it runs past the end or is too long. */
function readVarint(bytes: Uint8Array, pos: number): [number, number] | null {
  let value = 0;
  let scale = 1;
  for (let k = 0; k < 10; k++) {
    if (pos >= bytes.length) return null;
    const b = bytes[pos++];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  return null;
}

/**
 * Throw a ModelSourceError('not-onnx') unless `bytes` plausibly hold an onnx.ModelProto: every top-level field
 * parses with the wire type ONNX gives it, nothing runs past the end, and a graph is present.
 * `where` names the file in the message ("model.onnx", a URL, a path).
 */
export function checkOnnxBytes(bytes: Uint8Array, where: string): void {
  const fail = (why: string): never => {
    throw new ModelSourceError('not-onnx', `${where} is not an ONNX model: ${why}.`);
  };
  if (bytes.length === 0) fail('the file is empty (0 bytes)');
  const wrong = sniffWrongFormat(bytes);
  if (wrong) fail(`it is ${wrong}`);

  let pos = 0;
  let sawGraph = false;
  let sawIrVersion = false;
  while (pos < bytes.length) {
    const tag = readVarint(bytes, pos);
    if (!tag) fail(`its protobuf structure breaks off at byte ${pos} of ${bytes.length} (truncated or not a protobuf)`);
    const [key, afterTag] = tag!;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    const expected = MODEL_PROTO_FIELDS[field];
    if (field === 0 || (expected !== undefined && expected !== wire) || wire === 3 || wire === 4 || wire > 5) {
      fail(
        pos === 0
          ? `it does not start like an ONNX protobuf (first byte 0x${bytes[0].toString(16).padStart(2, '0')})`
          : `field ${field} with wire type ${wire} at byte ${pos} does not belong to an ONNX ModelProto`,
      );
    }
    pos = afterTag;
    if (wire === 0) {
      const v = readVarint(bytes, pos);
      if (!v) fail(`it ends inside a field at byte ${pos} (truncated download?)`);
      pos = v![1];
    } else if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
    } else {
      const len = readVarint(bytes, pos);
      if (!len) fail(`it ends inside a field at byte ${pos} (truncated download?)`);
      pos = len![1] + len![0];
    }
    if (pos > bytes.length) {
      fail(`it is truncated: a field needs ${formatBytes(pos)} but the file has ${formatBytes(bytes.length)} (download it again)`);
    }
    if (field === 7) sawGraph = true;
    if (field === 1) sawIrVersion = true;
  }
  if (!sawGraph) fail('the protobuf has no graph (field 7 of ModelProto)');
  if (!sawIrVersion) fail('the protobuf has no ir_version (field 1 of ModelProto)');
}

function describeJsonError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Decode bytes as UTF-8 (a BOM is dropped) and JSON.parse them with an error naming the file. */
export function parseJsonBytes(bytes: Uint8Array | string, where: string): unknown {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder('utf-8', { ignoreBOM: false }).decode(bytes);
  try {
    return JSON.parse(text);
  } catch (err) {
    const start = text.trimStart();
    const hint = start.startsWith('<')
      ? ' (it is an HTML page: the server answered with a web page instead of the file)'
      : start.startsWith('version https://git-lfs')
        ? ' (it is a Git LFS pointer: fetch the real file)'
        : '';
    throw new ModelSourceError('bad-json', `${where} is not valid JSON${hint}: ${describeJsonError(err)}.`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parse a Hugging Face `tokenizers` file (tokenizer.json). Its required part is a `model` object (WordPiece,
 * Unigram, BPE, ...); the usual look-alikes (tokenizer_config.json, vocab.txt) get a message saying so.
 */
export function parseTokenizerJson(bytes: Uint8Array | string, where = 'tokenizer.json'): Record<string, unknown> {
  const text = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
  let json: unknown;
  try {
    json = parseJsonBytes(text, where);
  } catch (err) {
    const start = text.trimStart();
    if (start.length > 0 && !start.startsWith('{') && !start.startsWith('<') && !start.startsWith('version https://git-lfs')) {
      throw new ModelSourceError(
        'bad-json',
        `${where} is not a tokenizer.json (it is plain text, e.g. a vocab.txt): the model needs the fast-tokenizer ` +
          `file tokenizer.json (saved by transformers' save_pretrained with a fast tokenizer, or by the tokenizers library).`,
      );
    }
    throw err;
  }
  if (!isObject(json)) throw new ModelSourceError('bad-json', `${where} must hold a JSON object, found ${Array.isArray(json) ? 'an array' : typeof json}.`);
  if (!isObject(json.model)) {
    const lookalike = 'tokenizer_class' in json ? ' It looks like tokenizer_config.json; the file needed is tokenizer.json.' : '';
    throw new ModelSourceError(
      'bad-json',
      `${where} is not a Hugging Face tokenizers file: it has no "model" object (WordPiece/Unigram/BPE).${lookalike}`,
    );
  }
  return json;
}

/** Parse an optional config.json (a transformers model config): any JSON object. */
export function parseConfigJson(bytes: Uint8Array | string, where = 'config.json'): Record<string, unknown> {
  const json = parseJsonBytes(bytes, where);
  if (!isObject(json)) throw new ModelSourceError('bad-json', `${where} must hold a JSON object, found ${Array.isArray(json) ? 'an array' : typeof json}.`);
  return json;
}
