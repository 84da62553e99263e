// Head ONNX outputs of multi-label and calibrated heads (src/export/head-outputs.ts), run on onnxruntime-node:
// probabilities = softmax / sigmoid(logits / T), `predicted` = probabilities >= each label's threshold, and the
// task / calibration metadata carried into the model.
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { exportHeadOnnxFromFile } from '../../src/export';
import { readHeadFile } from '../../src/export/head-onnx';
import { headFile, headMeta, runOnnx } from '../helpers/head-files';
import { randn } from '../helpers/rng';

const C = 6;
const L = 3;
const B = 4;

function feeds() {
  return {
    token_states: { data: new Float32Array(B * 2 * C), dims: [B, 2, C] },
    attention_mask: { data: new Float32Array(B * 2).fill(1), dims: [B, 2] },
    pooled: { data: Float32Array.from(randn(B * C, 3)), dims: [B, C] },
  };
}

const tensors = { 'param.W': { shape: [C, L], data: randn(C * L, 1) }, 'param.b': { shape: [L], data: randn(L, 2) } };

describe('head ONNX: multi-label and temperature', () => {
  it('multi-label: sigmoid(logits / T) and thresholded labels', async () => {
    const meta = { ...headMeta(L), task: { multiLabel: true, thresholds: [0.3, 0.5, 0.7] }, calibration: { temperature: 2 } };
    const file = headFile('linear', { C, labels: L, pair: false }, tensors, meta);
    expect(readHeadFile(file).meta.task).toEqual(meta.task);
    const model = exportHeadOnnxFromFile(file);
    const out = await runOnnx(model, feeds());
    expect(Object.keys(out).sort()).toEqual(['logits', 'predicted', 'probabilities']);
    for (let i = 0; i < B * L; i++) {
      const p = 1 / (1 + Math.exp(-out.logits.data[i] / 2));
      expect(Math.abs(out.probabilities.data[i] - p)).toBeLessThan(1e-6);
      expect(out.predicted.data[i]).toBe(out.probabilities.data[i] >= meta.task.thresholds[i % L] ? 1 : 0);
    }
    const md = Object.fromEntries(onnxProto.onnx.ModelProto.decode(model).metadataProps!.map((p) => [p.key!, p.value!]));
    expect(JSON.parse(md.task)).toEqual({ type: 'multi-label', thresholds: [0.3, 0.5, 0.7] });
    expect(JSON.parse(md.calibration)).toEqual({ temperature: 2 });
  });

  it('single-label with a temperature: softmax(logits / T), no predicted output', async () => {
    const meta = { ...headMeta(L), calibration: { temperature: 0.5 } };
    const out = await runOnnx(exportHeadOnnxFromFile(headFile('linear', { C, labels: L, pair: false }, tensors, meta)), feeds());
    expect(out.predicted).toBeUndefined();
    for (let b = 0; b < B; b++) {
      const z = [0, 1, 2].map((k) => out.logits.data[b * L + k] / 0.5);
      const m = Math.max(...z);
      const s = z.reduce((a, v) => a + Math.exp(v - m), 0);
      for (let k = 0; k < L; k++) expect(Math.abs(out.probabilities.data[b * L + k] - Math.exp(z[k] - m) / s)).toBeLessThan(1e-6);
    }
  });
});
