// The Node side of bench:encoder's engine comparison (bench/encoder.bench.ts): tokenising the texts once into the
// token-id batches every engine gets, one report row per engine run, and the table. Design decision: a row's
// sentence vectors are compared with the wasm EP's on the same host and the same ids, so a fast engine that
// computed something else shows up next to its speed.
import { parity, type EngineKind, type EngineResult, type IdBatch } from './encoder-engines';

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** Why the Node engine rows have no onnxruntime WebGPU EP (tried with onnxruntime-web 1.30 and the webgpu package). */
export const NODE_WEBGPU_EP_NOTE =
  "onnxruntime-web's Node build (its package's \"node\" export, ort.node.min.mjs) has no WebGPU EP (\"[webgpu] backend not found\"); " +
  'its browser bundle (dist/ort.mjs) with navigator.gpu from the webgpu package fails in GPUQueue.writeBuffer (Dawn\'s Node binding ' +
  "rejects the wasm heap's SharedArrayBuffer), and with a copying shim the session is created but its first GPU-to-CPU readback " +
  'never completed (waited over 6 minutes on one 2x8 batch): the WebGPU EP is compared in Chromium only';

/** Tokenise once with the app's tokenizer and batch as the app's encoder does (planBatches, padBatch). */
export async function tokenBatches(texts: string[]): Promise<IdBatch[]> {
  const { loadModelSourceNode } = await import('../src/encoder/sources-node');
  const { readEncoderConfig } = await import('../src/encoder/model-files');
  const { TextTokenizer } = await import('../src/encoder/tokenizer');
  const { planBatches, padBatch, DEFAULT_BATCH } = await import('../src/encoder/batching');
  const files = await loadModelSourceNode({ kind: 'default' });
  const config = readEncoderConfig(files.name, files.config);
  const tok = TextTokenizer.fromJson(files.name, files.tokenizerJson, config.padTokenId);
  const seqs = texts.map((t) => tok.encode(t, undefined, config.maxTokens ?? 128));
  return planBatches(seqs.map((x) => x.ids.length), DEFAULT_BATCH).map((plan) => {
    const b = padBatch(seqs, plan, tok.padId);
    return { rows: b.rows, seq: b.seq, ids: Array.from(b.ids, Number), mask: Array.from(b.mask, Number) };
  });
}

export interface EngineRow {
  host: 'Node' | 'Chromium';
  engine: EngineKind;
  what: string;
  texts: number;
  batches: number;
  seconds: number;
  texts_per_s: number;
  ms_per_text: number;
  warmup_s: number;
  load_s: number;
  /** WGSL: buffer-pool peak during the timed pass (weights included) and its largest buffer; null for onnxruntime. */
  pool_peak_mib: number | null;
  pool_weights_mib: number | null;
  largest_buffer_mib: number | null;
  /** Node: the child process's peak RSS; Chromium: peak RSS of its process tree while the engine ran. */
  peak_rss_mb: number;
  /** Sentence vectors against the same host's wasm EP on the same ids. */
  vs_wasm_rel_max: number | null;
  vs_wasm_min_cos: number | null;
}

const MB = 2 ** 20;

export function engineRow(host: EngineRow['host'], r: EngineResult, batches: number, rssMb: number, wasm: EngineResult | null): EngineRow {
  const p = wasm && r !== wasm ? parity(r.pooled, wasm.pooled) : null;
  return {
    host,
    engine: r.engine,
    what: r.what,
    texts: r.texts,
    batches,
    seconds: round(r.seconds, 3),
    texts_per_s: round(r.texts / r.seconds, r.texts / r.seconds < 10 ? 2 : 1),
    ms_per_text: round((r.seconds * 1000) / r.texts, 2),
    warmup_s: round(r.warmupSeconds, 2),
    load_s: round(r.loadSeconds, 2),
    pool_peak_mib: r.poolPeakBytes === null ? null : round(r.poolPeakBytes / MB, 1),
    pool_weights_mib: r.poolWeightsBytes === null ? null : round(r.poolWeightsBytes / MB, 1),
    largest_buffer_mib: r.largestBufferBytes === null ? null : round(r.largestBufferBytes / MB, 1),
    peak_rss_mb: round(rssMb, 0),
    vs_wasm_rel_max: p ? Number(p.relMax.toExponential(2)) : null,
    vs_wasm_min_cos: p ? Number(p.minCos.toFixed(7)) : null,
  };
}

export function printEngineTable(rows: EngineRow[]): void {
  const head = ['host', 'engine', 'texts', 'batches', 'seconds', 'texts/s', 'ms/text', 'pool peak MiB (weights)', 'largest buf MiB', 'peak RSS MiB', 'warm-up s', 'vs wasm: rel max | min cos'];
  const body = rows.map((r) => [
    r.host,
    r.what,
    String(r.texts),
    String(r.batches),
    r.seconds.toFixed(2),
    String(r.texts_per_s),
    r.ms_per_text.toFixed(2),
    r.pool_peak_mib === null ? '-' : `${r.pool_peak_mib} (${r.pool_weights_mib})`,
    r.largest_buffer_mib === null ? '-' : String(r.largest_buffer_mib),
    String(r.peak_rss_mb),
    r.warmup_s.toFixed(1),
    r.vs_wasm_rel_max === null ? '-' : `${r.vs_wasm_rel_max} | ${r.vs_wasm_min_cos}`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const b of body) console.log(line(b));
}
