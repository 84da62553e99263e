// `labeltune embed --data FILE [--engine wgsl|onnx]`: the pooled sentence vector of every row, one JSON array
// per line in input order (stdout, or --out vectors.jsonl) — for users who want embeddings, and for checking
// the two engines against each other on the same model.onnx: onnxruntime (src/encoder) or our WGSL encoder
// (src/model, frozen, forward only). Design decision: the WGSL path batches rows sorted by length (little
// padding; each row's own positions do not change) and writes each pooled row back to its input position; no
// feature cache is used (it stores float16, and embeddings are the output here, not an intermediate).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { columnStats, DataError, listNames, type ParsedTable } from '../data';
import { Encoder } from '../encoder/encoder';
import { readEncoderConfig, type ModelFiles } from '../encoder/model-files';
import { loadModelSourceNode } from '../encoder/sources-node';
import { TextTokenizer } from '../encoder/tokenizer';
import type { GpuEngine } from '../gpu/engine';
import { WgslEncoder } from '../model/encoder';
import { readEncoderSpec, UnsupportedGraphError } from '../model/onnx-reader';
import type { EncoderSpec } from '../model/spec';
import { countFlag, readTable, UsageError } from './args';
import { withGpu } from './gpu-session';
import { tokenize } from '../train/token-examples';

export const EMBED_USAGE = `  labeltune embed --data FILE [--engine wgsl|onnx] [--model default|DIR] [--out vectors.jsonl] [--text COL]
                  [--tmax N] [--batch N]
      one JSON array (the pooled sentence vector) per row, in input order (stdout by default); --engine onnx
      (default) runs onnxruntime, --engine wgsl our WGSL encoder on the same model.onnx`;

export const ENGINES = ['onnx', 'wgsl'] as const;

/** The text column: --text, else the longest mostly non-numeric column. */
function textColumn(table: ParsedTable, name: string | undefined): number {
  if (name !== undefined) {
    const j = table.columns.indexOf(name);
    if (j < 0) throw new DataError('unknown-column', `The text column '${name}' is not in the file. Its columns are ${listNames(table.columns, 20)}. Pick one of them (--text COLUMN).`);
    return j;
  }
  const stats = columnStats(table).map((s, j) => ({ ...s, j })).filter((s) => s.filled > 0 && s.numeric < 0.5);
  if (stats.length === 0) throw new DataError('no-text-column', `No column of ${listNames(table.columns, 20)} holds text. Pick one yourself (--text COLUMN).`);
  return stats.reduce((a, b) => (b.meanLength > a.meanLength ? b : a)).j;
}

/** The model's graph for the WGSL engine; a graph the reader does not recognise is one clear line. */
export function wgslSpecOf(files: ModelFiles): EncoderSpec {
  try {
    return readEncoderSpec(files.model);
  } catch (err) {
    if (err instanceof UnsupportedGraphError) throw new Error(`--engine wgsl cannot run model "${files.name}": ${err.message}. --engine onnx runs it.`);
    throw err;
  }
}

/** Pooled vectors (N rows of width C') of the texts by the frozen WGSL encoder, in input order. */
export async function wgslEmbed(e: GpuEngine, spec: EncoderSpec, tok: TextTokenizer, texts: readonly string[], tmax: number, batchSize: number): Promise<Float32Array[]> {
  const enc = new WgslEncoder(e, spec);
  try {
    const seqs = texts.map((t) => tokenize(tok, t, undefined, tmax, 'none'));
    const order = seqs.map((_, i) => i).sort((a, b) => seqs[a].ids.length - seqs[b].ids.length || a - b);
    const out: Float32Array[] = new Array(texts.length);
    const C = enc.pooledWidth;
    for (let s = 0; s < order.length; s += batchSize) {
      const idx = order.slice(s, s + batchSize);
      const B = idx.length;
      const T = Math.max(...idx.map((i) => seqs[i].ids.length));
      const ids = new Uint32Array(B * T);
      const mask = new Float32Array(B * T);
      idx.forEach((i, b) => {
        ids.set(seqs[i].ids, b * T);
        seqs[i].mask.forEach((m, t) => (mask[b * T + t] = m));
      });
      const fwd = enc.forward({ B, T, ids, mask, tokenTypes: null });
      const pooled = await fwd.pooled.read(); // (B, C')
      idx.forEach((i, b) => (out[i] = pooled.slice(b * C, (b + 1) * C)));
    }
    return out;
  } finally {
    enc.dispose();
  }
}

export async function embedCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      data: { type: 'string' },
      engine: { type: 'string', default: 'onnx' },
      model: { type: 'string', default: 'default' },
      out: { type: 'string' },
      text: { type: 'string' },
      tmax: { type: 'string' },
      batch: { type: 'string', default: '32' },
    },
  });
  if (!values.data) throw new UsageError('embed needs --data FILE (one text per row)');
  const engine = values.engine!;
  if (!(ENGINES as readonly string[]).includes(engine)) throw new UsageError(`--engine must be one of ${ENGINES.join(', ')}, got "${engine}"`);
  const tmaxFlag = countFlag('tmax', values.tmax);
  const batch = countFlag('batch', values.batch)!;
  const table = readTable(values.data);
  const j = textColumn(table, values.text);
  const texts = table.rows.map((r) => r[j].trim());
  if (texts.length === 0) throw new DataError('no-examples', `${values.data} has no rows to embed.`);
  const files = await loadModelSourceNode(values.model === 'default' ? { kind: 'default' } : { kind: 'paths', model: values.model! });
  let vectors: Float32Array[];
  if (engine === 'wgsl') {
    const spec = wgslSpecOf(files);
    const tok = TextTokenizer.fromJson(files.name, files.tokenizerJson, readEncoderConfig(files.name, files.config).padTokenId);
    const tmax = Math.min(tmaxFlag ?? spec.maxTokens, spec.maxTokens);
    vectors = await withGpu((e) => wgslEmbed(e, spec, tok, texts, tmax, batch));
  } else {
    const encoder = await Encoder.load(files, { runtime: 'node', epPolicy: 'auto', tmax: tmaxFlag });
    try {
      vectors = (await encoder.encode(texts.map((text) => ({ text })))).map((f) => f.pooled);
    } finally {
      await encoder.dispose();
    }
  }
  const lines = vectors.map((v) => JSON.stringify(Array.from(v)));
  if (values.out) {
    writeFileSync(values.out, `${lines.join('\n')}\n`);
    console.log(`wrote ${vectors.length} vectors of width ${vectors[0].length} (${engine} engine, ${files.name}) to ${values.out}`);
  } else console.log(lines.join('\n'));
}
