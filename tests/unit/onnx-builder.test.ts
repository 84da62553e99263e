// tools/onnx Graph builder: tiny graphs built here, serialised, and run by onnxruntime-node, checked against
// plain-JS arithmetic; plus the builder's wiring errors.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph } from '../../tools/onnx';

async function run(bytes: Uint8Array, feeds: Record<string, ort.Tensor>) {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('tools/onnx Graph', () => {
  it('MatMul + Add + Softmax with a symbolic batch dim matches JS arithmetic', async () => {
    const W = Float32Array.from([0.5, -1, 2, 0.25, 0, 1, -0.5, 0.75, 1.5, 0.1, -2, 0.3]); // (4, 3)
    const b = Float32Array.from([0.1, -0.2, 0.3]);
    const g = new Graph('tiny');
    const x = g.input('x', 'float', ['batch', 4]);
    const w = g.initializer('W', W, [4, 3]);
    const bias = g.initializer('b', b, [3]);
    const logits = g.node('Add', [g.node('MatMul', [x, w]), bias], {}, 'logits');
    const probs = g.node('Softmax', [logits], { axis: -1 }, 'probs');
    g.output(logits, 'float', ['batch', 3]);
    g.output(probs, 'float', ['batch', 3]);
    const bytes = g.toBytes({ opset: 17 });

    for (const batch of [1, 3]) {
      const X = Float32Array.from({ length: batch * 4 }, (_, i) => Math.sin(i + 1) * 2);
      const out = await run(bytes, { x: new ort.Tensor('float32', X, [batch, 4]) });
      expect(out.probs.dims).toEqual([batch, 3]);
      const P = out.probs.data as Float32Array;
      const Z = out.logits.data as Float32Array;
      for (let r = 0; r < batch; r++) {
        const z = [0, 1, 2].map((j) => b[j] + [0, 1, 2, 3].reduce((s, k) => s + X[r * 4 + k] * W[k * 3 + j], 0));
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const sum = e.reduce((s, v) => s + v, 0);
        for (let j = 0; j < 3; j++) {
          expect(Math.abs(Z[r * 3 + j] - z[j])).toBeLessThan(1e-5);
          expect(Math.abs(P[r * 3 + j] - e[j] / sum)).toBeLessThan(1e-6);
        }
      }
    }
  });

  it('int64 inputs and constants, float attributes, multi-output nodes', async () => {
    const g = new Graph('ints');
    const ids = g.input('ids', 'int64', ['batch', 'seq']);
    const table = g.initializer('table', Float32Array.from([0, 0, 1, 10, 2, 20]), [3, 2]);
    const emb = g.node('Gather', [table, ids], { axis: 0 }); // (B, T, 2)
    const [a, c] = g.nodeOutputs('Split', [emb, g.constInt64([1, 1])], ['left', 'right'], { axis: 2 });
    const lr = g.node('LeakyRelu', [g.node('Sub', [a, c])], { alpha: { float: 2 } }, 'lr'); // alpha forced float
    const shape = g.node('Shape', [ids], {}, 'shape');
    g.output(lr, 'float', ['batch', 'seq', 1]);
    g.output(shape, 'int64', [2]);
    const out = await run(g.toBytes(), { ids: new ort.Tensor('int64', BigInt64Array.from([0n, 2n, 1n]), [1, 3]) });
    expect(Array.from(out.lr.data as Float32Array)).toEqual([0, -36, -18]);
    expect(Array.from(out.shape.data as BigInt64Array)).toEqual([1n, 3n]);
  });

  it('rejects wiring mistakes with the name at fault', () => {
    const g = new Graph('bad');
    g.input('x', 'float', [2]);
    expect(() => g.node('Relu', ['y'])).toThrow(/input 0 "y" is not defined/);
    expect(() => g.input('x', 'float', [2])).toThrow(/"x" is already defined/);
    expect(() => g.initializer('w', new Float32Array(5), [2, 3])).toThrow(/need 24 bytes, the data has 20/);
    expect(() => g.output('nope', 'float', [2])).toThrow(/no input, initializer or node produces/);
    expect(() => new Graph('empty').toBytes()).toThrow(/has no outputs/);
  });
});
