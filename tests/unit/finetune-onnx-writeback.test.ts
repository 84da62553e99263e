// writeSpecIntoGraph (src/export/finetune-onnx.ts): a fine-tuned encoder's weights written back into the
// ORIGINAL model.onnx through each spec tensor's source. Reading the patched model again with readEncoderSpec
// must give back exactly the written values — whole initializers (tiny BERT), the column slices of USE-lite's
// fused q|k|v, a transposed (Gemm transB) source and a Constant-node weight — and untouched parts keep theirs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { writeSpecIntoGraph } from '../../src/export/finetune-onnx';
import { floatTensorData } from '../../src/model/onnx-graph-view';
import { readEncoderSpec } from '../../src/model/onnx-reader';
import { mapSpecTensors, specTensors, type EncoderSpec } from '../../src/model/spec';
import { tensorProto } from '../../src/onnx/graph';
import { makeTinyBert } from '../../tools/make-tiny-bert';

const { onnx } = onnxProto;

/** Every tensor replaced by distinct deterministic values (never equal to the original). */
function perturbed(spec: EncoderSpec): EncoderSpec {
  let k = 0;
  return mapSpecTensors(spec, (_, t) => {
    k++;
    return Float32Array.from(t.data, (v, i) => v + 0.001 * Math.sin(i * 0.37 + k) + 0.0005);
  });
}

function patched(model: Uint8Array, spec: EncoderSpec, edit?: (g: onnxProto.onnx.IGraphProto) => void): Uint8Array {
  const m = onnx.ModelProto.decode(model);
  edit?.(m.graph!);
  writeSpecIntoGraph(m.graph!, spec);
  return onnx.ModelProto.encode(m).finish();
}

function expectSameTensors(a: EncoderSpec, b: EncoderSpec): void {
  const tb = specTensors(b);
  specTensors(a).forEach(({ name, tensor }, i) => {
    expect(tb[i].name).toBe(name);
    expect(tb[i].tensor.shape).toEqual(tensor.shape);
    const bad = tensor.data.findIndex((v, j) => v !== tb[i].tensor.data[j]);
    expect(bad, `${name} first differing element`).toBe(-1);
  });
}

describe('writeSpecIntoGraph', () => {
  it('tiny BERT: every whole initializer takes the trained values, the graph reads back identically', () => {
    const tb = makeTinyBert();
    const base = readEncoderSpec(tb.model);
    const trained = perturbed(base);
    const again = readEncoderSpec(patched(tb.model, trained));
    expectSameTensors(trained, again);
    // and it really changed something
    expect(again.layers[0].q.W.data[0]).not.toBe(base.layers[0].q.W.data[0]);
  });

  it('USE-lite: the q|k|v column slices go back into the fused initializer', () => {
    const path = join(process.cwd(), 'public', 'models', 'use-lite', 'model.onnx');
    if (!existsSync(path)) throw new Error(`${path} is missing: generate it with \`npx tsx tools/convert-use-lite.ts\``);
    const model = new Uint8Array(readFileSync(path));
    const base = readEncoderSpec(model);
    const q = base.layers[0].q.W.source;
    expect(q.colStart, 'USE-lite q is a column slice of a fused initializer').toBeDefined();
    expect(base.layers[0].k.W.source.name).toBe(q.name);
    const trained = perturbed(base);
    const again = readEncoderSpec(patched(model, trained));
    expectSameTensors(trained, again);
  }, 180_000);

  it('a transposed (Gemm transB) source and a Constant-node weight are written in their own layout', () => {
    const tb = makeTinyBert({ layers: 1 });
    const base = readEncoderSpec(tb.model);
    const W = base.layers[0].ffnIn.W; // (in C, out I)
    const [C, I] = W.shape;
    const L0 = base.layers[0];
    const ffnIn = { ...L0.ffnIn, W: { ...W, source: { name: 'wT', dims: [I, C], transposed: true } } };
    const ffnOut = { ...L0.ffnOut, b: { ...L0.ffnOut.b!, source: { name: 'const_b', dims: [C] } } };
    const moved: EncoderSpec = { ...base, layers: [{ ...L0, ffnIn, ffnOut }] };
    const trained = perturbed(moved);
    const bytes = patched(tb.model, trained, (g) => {
      g.initializer!.push(tensorProto('wT', new Float32Array(I * C), [I, C]));
      g.node!.push(onnx.NodeProto.create({ opType: 'Constant', output: ['const_b'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: tensorProto('const_b', new Float32Array(C), [C]) }] }));
    });
    const g = onnx.ModelProto.decode(bytes).graph!;
    const wT = floatTensorData(g.initializer!.find((t) => t.name === 'wT')!)!;
    const want = trained.layers[0].ffnIn.W.data;
    for (let r = 0; r < I; r++) for (let c = 0; c < C; c++) expect(wT[r * C + c]).toBe(want[c * I + r]);
    const cb = floatTensorData(g.node!.find((n) => n.output?.[0] === 'const_b')!.attribute![0].t!)!;
    expect(Array.from(cb)).toEqual(Array.from(trained.layers[0].ffnOut.b!.data));
  });

  it('refuses a source the graph does not have, and tied weights trained apart', () => {
    const tb = makeTinyBert({ layers: 1 });
    const base = readEncoderSpec(tb.model);
    const L0 = base.layers[0];
    const missing: EncoderSpec = { ...base, layers: [{ ...L0, q: { ...L0.q, W: { ...L0.q.W, source: { name: 'nope', dims: L0.q.W.shape } } } }] };
    expect(() => patched(tb.model, missing)).toThrow(/encoder tensor layers\.0\.q\.W: the graph has no initializer or Constant "nope"/);
    const tied: EncoderSpec = { ...base, layers: [{ ...L0, k: { ...L0.k, W: { ...L0.k.W, source: L0.q.W.source } } }] };
    expect(() => patched(tb.model, perturbed(tied))).toThrow(/encoder tensors layers\.0\.q\.W and layers\.0\.k\.W share element 0 of .*tied weights/);
  });
});
