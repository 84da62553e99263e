// A trained head as a standalone ONNX model (opset 17), built from the head's .safetensors export
// (src/heads/serialize.ts), so the studio (browser) and the CLI convert the same bytes without a GPU.
//   inputs   token_states (batch, tokens, C) float32   the encoder's token states, zero or anything past a row's length
//            attention_mask (batch, tokens) float32    1 = real token, 0 = padding (a key is kept iff >= 0.5)
//            pooled (batch, C) float32                 the pooled vector (side A's for pairs encoded side by side)
//            pooled_b (batch, C) float32               side B's pooled vector; only for tokenizer.pair "side-by-side"
//   outputs  logits (batch, L), probabilities (batch, L) = softmax(logits) (for L-Tuning: over the per-label
//            match logits, so its argmax is the predicted label)
// Every head has all of token_states / attention_mask / pooled (a uniform interface; heads that do not read the
// token states leave them unused). For pairs encoded side by side, token_states holds side A's rows then side B's
// (as the feature cache does), masked as one sequence. Each kind mirrors its float64 reference in reference/heads/.
// Design decision: the graph is rebuilt from the STORED FILE, not from live GPU tensors: one source of truth with
// the .safetensors download, every tensor checked against the config's shapes, and any tensor the graph does not
// use is an error (a file that does not describe this kind exactly is refused, not half-converted).
import { HEAD_FORMAT, HEAD_FORMAT_VERSION, EXPORTABLE_KINDS, HeadFileError, type ExportableKind, type HeadMeta, type PairHandling } from '../heads/serialize';
import { readSafetensors, type F32Tensor } from '../heads/safetensors';
import { normalizedSeeds } from '../heads/zero-shot';
import { attention, batchDim, broadcastBatch, gelu, keyMaskBias, layerNorm, linear, onesColumn, pairFeatures, reduceSum } from './onnx-blocks';
import { Graph } from './onnx-graph';

/** ModelProto.metadata_props "format" of a head ONNX model. */
export const HEAD_ONNX_FORMAT = 'labeltune-head-onnx';
export const HEAD_ONNX_VERSION = '1';

/** A parsed head file: what the graph builder needs. */
export interface HeadSource {
  kind: ExportableKind;
  config: Record<string, unknown>;
  tensors: Record<string, F32Tensor>;
  meta: HeadMeta;
}

export class HeadOnnxError extends Error {
  constructor(message: string) {
    super(`head ONNX export: ${message}`);
    this.name = 'HeadOnnxError';
  }
}

function jsonField(md: Record<string, string>, key: string): unknown {
  const raw = md[key];
  if (raw === undefined) throw new HeadFileError(`metadata "${key}" is missing (not a complete labeltune head export)`);
  try {
    return JSON.parse(raw);
  } catch {
    throw new HeadFileError(`metadata "${key}" is not valid JSON: ${raw.slice(0, 80)}`);
  }
}

/** Parse a head .safetensors file (format, version, kind and metadata checked; tensors are checked while building). */
export function readHeadFile(bytes: Uint8Array): HeadSource {
  const { tensors, metadata: md } = readSafetensors(bytes);
  if (md.format !== HEAD_FORMAT) throw new HeadFileError(`format is ${JSON.stringify(md.format ?? null)}, expected "${HEAD_FORMAT}" (not a labeltune head export)`);
  if (md.version !== HEAD_FORMAT_VERSION) throw new HeadFileError(`format version ${md.version} is not supported (this build reads version ${HEAD_FORMAT_VERSION}); re-export the head`);
  const kind = md.kind;
  if (!(EXPORTABLE_KINDS as readonly string[]).includes(kind)) throw new HeadFileError(`unknown head kind "${kind}" (known: ${EXPORTABLE_KINDS.join(', ')})`);
  const config = jsonField(md, 'config');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new HeadFileError('metadata "config" must be a JSON object');
  const tok = jsonField(md, 'tokenizer') as { tmax?: unknown; pair?: unknown };
  if (!['none', 'side-by-side', 'pair-input'].includes(tok?.pair as string)) throw new HeadFileError(`tokenizer.pair must be "none", "side-by-side" or "pair-input", got ${JSON.stringify(tok?.pair)}`);
  if (!Number.isInteger(tok.tmax) || (tok.tmax as number) < 1) throw new HeadFileError(`tokenizer.tmax must be a positive integer, got ${JSON.stringify(tok.tmax)}`);
  const meta: HeadMeta = {
    labels: jsonField(md, 'labels') as string[],
    labelTexts: jsonField(md, 'label_texts') as string[],
    encoder: { name: md.encoder_name ?? '', hash: md.encoder_hash ?? '' },
    tokenizer: { tmax: tok.tmax as number, pair: tok.pair as PairHandling },
    training: jsonField(md, 'training') as Record<string, unknown>,
    metrics: jsonField(md, 'metrics') as HeadMeta['metrics'],
    createdAt: md.created_at,
  };
  return { kind: kind as ExportableKind, config: config as Record<string, unknown>, tensors, meta };
}

/** The head's tensors as graph initializers, each checked against the shape the config implies; tracks use. */
class Params {
  private readonly used = new Set<string>();
  constructor(
    private readonly g: Graph,
    private readonly src: HeadSource,
  ) {}

  /** The initializer for file tensor `name` (e.g. "param.Wf"), which must have exactly `shape`. */
  get(name: string, shape: number[]): string {
    return this.g.initializer(name, Float32Array.from(this.raw(name, shape)), shape);
  }

  /** The checked values of file tensor `name` (no initializer: the caller transforms them first). */
  raw(name: string, shape: number[]): Float32Array {
    const t = this.src.tensors[name];
    if (!t) throw new HeadOnnxError(`the ${this.src.kind} head file has no tensor "${name}" (shape [${shape}] expected)`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new HeadOnnxError(`tensor "${name}" has shape [${t.shape}], the ${this.src.kind} config needs [${shape}]`);
    }
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new HeadOnnxError(`tensor "${name}" holds a non-finite value (${t.data[bad]}) at index ${bad}`);
    this.used.add(name);
    return t.data;
  }

  /** Every file tensor must have been used. */
  finish(): void {
    const extra = Object.keys(this.src.tensors).filter((n) => !this.used.has(n));
    if (extra.length) throw new HeadOnnxError(`unexpected tensor(s) ${extra.map((n) => `"${n}"`).join(', ')} for a ${this.src.kind} head with this config`);
  }
}

function cInt(c: Record<string, unknown>, key: string, kind: string): number {
  const v = c[key];
  if (!Number.isInteger(v) || (v as number) < 1) throw new HeadOnnxError(`config (${kind}).${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v as number;
}

function cNum(c: Record<string, unknown>, key: string, kind: string): number {
  const v = c[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new HeadOnnxError(`config (${kind}).${key} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}

/** The value names the head's nodes read. */
export interface HeadInputs {
  tokens: string; // (B, T, C)
  mask: string; // (B, T) float
  pooled: string; // (B, C)
  pooledB: string | null; // (B, C)
}

/** Build the head's nodes into `g` from its inputs; returns the logits (B, L) value and L. */
export function buildHeadNodes(g: Graph, src: HeadSource, io: HeadInputs): { logits: string; L: number; C: number } {
  const P = new Params(g, src);
  const c = src.config;
  const k = src.kind;
  const sideBySide = src.meta.tokenizer.pair === 'side-by-side';
  if (sideBySide !== (io.pooledB !== null)) throw new HeadOnnxError('internal: pooled_b must be wired exactly for side-by-side pairs');
  let out: { logits: string; L: number; C: number };
  switch (k) {
    case 'linear': {
      const C = cInt(c, 'C', k);
      const L = cInt(c, 'labels', k);
      if (c.pair !== sideBySide) {
        throw new HeadOnnxError(`config (linear).pair is ${JSON.stringify(c.pair)} but tokenizer.pair is "${src.meta.tokenizer.pair}": a pair probe needs pairs encoded side by side and vice versa`);
      }
      const x = sideBySide ? pairFeatures(g, io.pooled, io.pooledB!) : io.pooled;
      const D = sideBySide ? 4 * C : C;
      out = { logits: linear(g, x, P.get('param.W', [D, L]), P.get('param.b', [L])), L, C };
      break;
    }
    case 'label': {
      // z = scale * f S^T, f = u or (u + v) / 2
      const C = cInt(c, 'C', k);
      const L = cInt(c, 'labels', k);
      const scale = cNum(c, 'scale', k);
      const S = P.raw('param.S', [L, C]);
      const St = new Float32Array(C * L);
      for (let l = 0; l < L; l++) for (let j = 0; j < C; j++) St[j * L + l] = S[l * C + j];
      const f = sideBySide ? g.node('Mul', [g.node('Add', [io.pooled, io.pooledB!]), g.constFloat([0.5], [])]) : io.pooled;
      const z = g.node('MatMul', [f, g.initializer('label.St', St, [C, L])]);
      out = { logits: g.node('Mul', [z, g.constFloat([scale], [])]), L, C };
      break;
    }
    case 'zeroshot': {
      // z = scale * <f / max(||f||, 1e-12), s_l / ||s_l||>, f = u or u + v
      const C = cInt(c, 'C', k);
      const L = cInt(c, 'labels', k);
      const scale = cNum(c, 'scale', k);
      const sn = normalizedSeeds(P.raw('config.seeds', [L, C]), L, C);
      const snT = new Float32Array(C * L);
      for (let l = 0; l < L; l++) for (let j = 0; j < C; j++) snT[j * L + l] = sn[l * C + j];
      const f = sideBySide ? g.node('Add', [io.pooled, io.pooledB!]) : io.pooled;
      const norm = g.node('Max', [g.node('Sqrt', [reduceSum(g, g.node('Mul', [f, f]), -1, true)]), g.constFloat([1e-12], [])]);
      const z = g.node('MatMul', [g.node('Div', [f, norm]), g.initializer('zeroshot.seedsT', snT, [C, L])]);
      out = { logits: g.node('Mul', [z, g.constFloat([scale], [])]), L, C };
      break;
    }
    case 'ytuning':
      out = ytuningNodes(g, P, src, io);
      break;
    case 'ltuning-prefix':
    case 'ltuning-prompt':
      out = ltuningNodes(g, P, src, io);
      break;
  }
  P.finish();
  if (src.meta.labels.length !== out.L) throw new HeadOnnxError(`metadata "labels" has ${src.meta.labels.length} names but the head has ${out.L} labels`);
  return out;
}

/** Y-Tuning, exactly as reference/heads/ytuning.ts (memory = T token rows + one pooled token, pre-LN layers). */
function ytuningNodes(g: Graph, P: Params, src: HeadSource, io: HeadInputs): { logits: string; L: number; C: number } {
  const c = src.config;
  const k = 'ytuning';
  const [C, L, d, H, N, ffn] = ['C', 'L', 'd', 'H', 'N', 'ffn'].map((key) => cInt(c, key, k));
  if (d % H !== 0) throw new HeadOnnxError(`config (ytuning): H (${H}) must divide d (${d})`);
  const eps = cNum(c, 'lnEps', k);
  const pair = c.pair === true;
  if (c.pair !== undefined && typeof c.pair !== 'boolean') throw new HeadOnnxError(`config (ytuning).pair must be true or false, got ${JSON.stringify(c.pair)}`);
  if (pair && !io.pooledB) throw new HeadOnnxError(`a pair Y-Tuning head needs pairs encoded side by side, but tokenizer.pair is "${src.meta.tokenizer.pair}"`);
  const p = (name: string, shape: number[]) => P.get(`param.${name}`, shape);
  const B = batchDim(g, io.pooled);
  // label queries (L, d), shared by the batch
  let Q0 = p('E', [L, d]);
  if (c.labelSeeds) Q0 = g.node('Add', [linear(g, P.get('config.labelSeeds', [L, C]), p('Ws', [C, d]), p('bs', [d])), Q0]);
  let X = broadcastBatch(g, Q0, B, L, d); // (B, L, d)
  // memory (B, T+1, d): token rows, then the pooled token (from f, or for pairs from g = [u, v, |u-v|, u*v])
  const tok = layerNorm(g, linear(g, io.tokens, p('Wf', [C, d]), p('bf', [d])), p('mg', [d]), p('mb', [d]), eps);
  const gx = pair ? pairFeatures(g, io.pooled, io.pooledB!) : io.pooled;
  const K = pair ? 4 * C : C;
  const pool = layerNorm(g, linear(g, gx, p('Wp', [K, d]), p('bp', [d])), p('pg', [d]), p('pb', [d]), eps);
  const M = g.node('Concat', [tok, g.node('Unsqueeze', [pool, g.constInt64([1])])], { axis: 1 });
  const bias = keyMaskBias(g, g.node('Concat', [io.mask, onesColumn(g, B)], { axis: 1 }));
  const mha = { H, dh: d / H };
  for (let i = 0; i < N; i++) {
    const l = `l${i}.`;
    const w = (n: string) => p(l + n, [d, d]);
    const v = (n: string, len = d) => p(l + n, [len]);
    const a1 = layerNorm(g, X, v('ln1g'), v('ln1b'), eps);
    const sa = attention(g, linear(g, a1, w('Wsq'), v('bsq')), linear(g, a1, w('Wsk'), null), linear(g, a1, w('Wsv'), v('bsv')), null, mha);
    X = g.node('Add', [X, linear(g, sa, w('Wso'), v('bso'))]);
    const a2 = layerNorm(g, X, v('ln2g'), v('ln2b'), eps);
    const ca = attention(g, linear(g, a2, w('Wcq'), v('bcq')), linear(g, M, w('Wck'), null), linear(g, M, w('Wcv'), v('bcv')), bias, mha);
    X = g.node('Add', [X, linear(g, ca, w('Wco'), v('bco'))]);
    const a3 = layerNorm(g, X, v('ln3g'), v('ln3b'), eps);
    const h = gelu(g, linear(g, a3, p(l + 'W1', [d, ffn]), v('b1', ffn)));
    X = g.node('Add', [X, linear(g, h, p(l + 'W2', [ffn, d]), v('b2'))]);
  }
  const fin = layerNorm(g, X, p('lnfg', [d]), null, eps);
  const score = g.node('Squeeze', [g.node('MatMul', [fin, p('u', [d, 1])]), g.constInt64([2])]); // (B, L)
  let logits = g.node('Add', [score, p('c', [L])]);
  if (pair) logits = g.node('Add', [logits, g.node('MatMul', [gx, p('Wsc', [K, L])])]);
  return { logits, L, C };
}

/** L-Tuning prefix / prompt, exactly as reference/heads/ltuning-prefix.ts and ltuning-prompt.ts. */
function ltuningNodes(g: Graph, P: Params, src: HeadSource, io: HeadInputs): { logits: string; L: number; C: number } {
  const c = src.config;
  const k = src.kind;
  const [C, L, d, H, m, Tl] = ['C', 'L', 'd', 'H', 'm', 'Tl'].map((key) => cInt(c, key, k));
  if (d % H !== 0) throw new HeadOnnxError(`config (${k}): H (${H}) must divide d (${d})`);
  const eps = cNum(c, 'lnEps', k);
  const p = (name: string, shape: number[]) => P.get(`param.${name}`, shape);
  const B = batchDim(g, io.pooled);
  const mha = { H, dh: d / H };
  const Wf = p('Wf', [C, d]);
  const bf = p('bf', [d]);
  const M = layerNorm(g, linear(g, io.tokens, Wf, bf), p('mg', [d]), p('mb', [d]), eps); // (B, T, d)
  const bias = keyMaskBias(g, io.mask);
  let h: string; // (B, L, d)
  if (k === 'ltuning-prefix') {
    // label pooling: a = softmax over real label tokens of Y_l wa (scale 1), p_l = sum_i a_i Y_l[i]  (L, C)
    const Y = P.get('config.labelTokens', [L, Tl, C]);
    const ymask = P.get('config.labelMask', [L, Tl]);
    const waT = g.node('Transpose', [p('wa', [1, C])], { perm: [1, 0] }); // (C, 1)
    const s = g.node('Reshape', [g.node('MatMul', [Y, waT]), g.constInt64([L, Tl])]);
    const keep = g.node('GreaterOrEqual', [ymask, g.constFloat([0.5], [])]);
    const a = g.node('Softmax', [g.node('Add', [s, g.node('Where', [keep, g.constFloat([0], []), g.constFloat([-1e9], [])])])], { axis: -1 });
    const pl = g.node('Reshape', [g.node('MatMul', [g.node('Unsqueeze', [a, g.constInt64([1])]), Y]), g.constInt64([L, C])]);
    const Pq = g.node('Reshape', [linear(g, pl, p('Wz', [C, m * d]), p('bz', [m * d])), g.constInt64([L * m, d])]);
    const q = broadcastBatch(g, Pq, B, L * m, d); // (B, L*m, d)
    const att = attention(g, q, linear(g, M, p('Wk', [d, d]), null), linear(g, M, p('Wv', [d, d]), null), bias, mha);
    const hq = g.node('Reshape', [g.node('Add', [q, att]), g.constInt64([0, L, m, d])]);
    h = g.node('Mul', [reduceSum(g, hq, 2, false), g.constFloat([1 / m], [])]);
  } else {
    if (Tl !== 1) throw new HeadOnnxError(`config (ltuning-prompt).Tl must be 1, got ${Tl}`);
    // prompts x = (s G) Wf + bf (L, d); each attends over its text's tokens; h = x + MHA(...) Wo + bo
    const x = linear(g, g.node('MatMul', [P.get('config.labelSeeds', [L, C]), p('G', [C, C])]), Wf, bf);
    const q = broadcastBatch(g, linear(g, x, p('Wq', [d, d]), p('bq', [d])), B, L, d);
    const att = attention(g, q, linear(g, M, p('Wk', [d, d]), null), linear(g, M, p('Wv', [d, d]), p('bv', [d])), bias, mha);
    h = g.node('Add', [x, linear(g, att, p('Wo', [d, d]), p('bo', [d]))]);
  }
  const fin = layerNorm(g, h, p('lnfg', [d]), null, eps);
  const score = g.node('Squeeze', [g.node('MatMul', [fin, p('u', [d, 1])]), g.constInt64([2])]); // (B, L)
  return { logits: g.node('Add', [score, p('c', [1])]), L, C };
}

/** ModelProto metadata of a head model (the combined export reads it back). */
export function headOnnxMetadata(src: HeadSource): Record<string, string> {
  const m = src.meta;
  return {
    format: HEAD_ONNX_FORMAT,
    version: HEAD_ONNX_VERSION,
    kind: src.kind,
    labels: JSON.stringify(m.labels),
    label_texts: JSON.stringify(m.labelTexts),
    encoder_name: m.encoder.name,
    encoder_hash: m.encoder.hash,
    tokenizer: JSON.stringify(m.tokenizer),
    training: JSON.stringify(m.training),
    metrics: JSON.stringify(m.metrics),
    created_at: m.createdAt ?? '',
    attention_mask: 'float32',
  };
}

/** The standalone head model (see the top of this file for its inputs and outputs). */
export function headSourceToOnnx(src: HeadSource): Uint8Array {
  const g = new Graph(`labeltune-${src.kind}`);
  const C = cInt(src.config, 'C', src.kind);
  const io: HeadInputs = {
    tokens: g.input('token_states', 'float', ['batch', 'tokens', C]),
    mask: g.input('attention_mask', 'float', ['batch', 'tokens']),
    pooled: g.input('pooled', 'float', ['batch', C]),
    pooledB: src.meta.tokenizer.pair === 'side-by-side' ? g.input('pooled_b', 'float', ['batch', C]) : null,
  };
  const { logits, L } = buildHeadNodes(g, src, io);
  g.output(g.node('Identity', [logits], {}, 'logits'), 'float', ['batch', L]);
  g.output(g.node('Softmax', [logits], { axis: -1 }, 'probabilities'), 'float', ['batch', L]);
  return g.toBytes({ producerName: 'labeltune', docString: `labeltune ${src.kind} head (${L} labels) for encoder ${src.meta.encoder.name}`, metadata: headOnnxMetadata(src) });
}
