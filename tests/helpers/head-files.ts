// Head .safetensors files built directly from parameter values (no GPU), in exactly the layout
// src/heads/serialize.ts writes, plus an onnxruntime-node runner: for the ONNX export tests.
import * as ort from 'onnxruntime-node';
import { writeSafetensors, type F32Tensor } from '../../src/heads/safetensors';
import { headFormatVersion, type HeadMeta } from '../../src/heads/serialize';
import { taskMetadata } from '../../src/heads/head-task';

export const TEST_HASH = '0123456789abcdef'.repeat(4);

export function headMeta(L: number, pair: HeadMeta['tokenizer']['pair'] = 'none', tmax = 128): HeadMeta {
  const labels = Array.from({ length: L }, (_, i) => `label${i}`);
  return {
    labels,
    labelTexts: labels.map((l) => `the ${l}`),
    encoder: { name: 'tiny', hash: TEST_HASH },
    tokenizer: { tmax, pair },
    training: { epochs: 1 },
    metrics: { accuracy: 0.5, macroF1: 0.5 },
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A head file from kind, config and tensors named `param.*` / `config.*` (values rounded to float32). */
export function headFile(kind: string, config: Record<string, unknown>, tensors: Record<string, { shape: number[]; data: ArrayLike<number> }>, meta: HeadMeta): Uint8Array {
  const t: Record<string, F32Tensor> = {};
  for (const [k, v] of Object.entries(tensors)) t[k] = { shape: v.shape, data: Float32Array.from(v.data) };
  return writeSafetensors(t, {
    format: 'labeltune-head',
    version: headFormatVersion(meta),
    kind,
    config: JSON.stringify(config),
    labels: JSON.stringify(meta.labels),
    label_texts: JSON.stringify(meta.labelTexts),
    encoder_name: meta.encoder.name,
    encoder_hash: meta.encoder.hash,
    tokenizer: JSON.stringify(meta.tokenizer),
    training: JSON.stringify(meta.training),
    metrics: JSON.stringify(meta.metrics),
    created_at: meta.createdAt!,
    ...taskMetadata(meta.task, meta.calibration, meta.labels.length),
  });
}

/** Run an ONNX model once on onnxruntime-node (float32 / int64 feeds by array type) and release the session. */
export async function runOnnx(bytes: Uint8Array, feeds: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }>) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const f: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = new ort.Tensor(v.data instanceof BigInt64Array ? 'int64' : 'float32', v.data, v.dims);
    const out = await session.run(f);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { data: v.data as Float32Array, dims: [...v.dims] }]));
  } finally {
    await session.release();
  }
}
