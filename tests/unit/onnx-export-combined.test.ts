// Combined ONNX export refusals and structure, no GPU: a head model without labeltune metadata, an encoder other
// than the head's, a pair-input head on an encoder without token_type_ids; and the merged model's interface
// (side-by-side pairs: both sides' inputs, encoder nodes twice, initializers once). Numerical agreement with the
// app's path is tests/gpu/onnx-export-combined.test.ts.
import { describe, expect, it } from 'vitest';
import onnxProto from 'onnx-proto';
import { encoderIdentity } from '../../src/encoder/identity';
import { exportCombinedOnnx, exportHeadOnnxFromFile } from '../../src/export';
import { Graph } from '../../src/onnx/graph';
import { makeTinyBert } from '../../tools/make-tiny-bert';
import { headFile, headMeta } from '../helpers/head-files';
import { randn } from '../helpers/rng';

const L = 2;
const C = 32;

/** The tiny encoder's files: its identity covers the tokenizer.json too. */
const TOKENIZER = { model: { type: 'WordLevel', vocab: { a: 0 }, unk_token: 'a' } };
const filesOf = (model: Uint8Array) => ({ model, tokenizerJson: TOKENIZER });
const identity = async (model: Uint8Array) => (await encoderIdentity(filesOf(model))).hash;

/** A tiny pair-less encoder: last_hidden_state = Embedding(ids), no pooled output. */
function tinyEncoder(): Uint8Array {
  const g = new Graph('enc');
  const ids = g.input('input_ids', 'int64', ['batch', 'seq']);
  g.input('attention_mask', 'int64', ['batch', 'seq']);
  const table = g.initializer('emb', Float32Array.from(randn(10 * C, 1)), [10, C]);
  g.output(g.node('Gather', [table, ids], { axis: 0 }, 'last_hidden_state'), 'float', ['batch', 'seq', C]);
  return g.toBytes();
}

const linearFile = (hash: string, pair: 'none' | 'side-by-side' | 'pair-input') =>
  headFile('linear', { C, labels: L, pair: pair === 'side-by-side' }, { 'param.W': { shape: [(pair === 'side-by-side' ? 4 : 1) * C, L], data: randn((pair === 'side-by-side' ? 4 : 1) * C * L, 2) }, 'param.b': { shape: [L], data: [0.1, -0.1] } }, { ...headMeta(L, pair), encoder: { name: 'enc', hash } });

describe('combined ONNX export', () => {
  it('side by side: inputs of both sides, encoder nodes twice, initializers once, logits/probabilities out', async () => {
    const enc = tinyEncoder();
    const bytes = await exportCombinedOnnx(filesOf(enc), linearFile(await identity(enc), 'side-by-side'));
    const m = onnxProto.onnx.ModelProto.decode(bytes);
    const g = m.graph!;
    expect(g.input!.map((v) => v.name)).toEqual(['input_ids', 'attention_mask', 'input_ids_b', 'attention_mask_b']);
    expect(g.input![2].type!.tensorType!.shape!.dim!.map((d) => d.dimParam)).toEqual(['batch', 'seq_b']);
    expect(g.output!.map((v) => v.name)).toEqual(['logits', 'probabilities']);
    expect(g.node!.filter((n) => n.opType === 'Gather').map((n) => n.input)).toEqual([['emb', 'input_ids'], ['emb', 'input_ids_b']]);
    expect(g.initializer!.filter((t) => t.name === 'emb')).toHaveLength(1);
    expect(g.initializer!.some((t) => t.name === 'head/param.W')).toBe(true);
    const md = Object.fromEntries(m.metadataProps!.map((p) => [p.key, p.value]));
    expect(md).toMatchObject({ format: 'labeltune-combined-onnx', kind: 'linear', pooling: 'masked-mean', inputs_padding: 'right' });
  });

  it('refuses a head trained on another encoder, or on the same model under another tokenizer', async () => {
    await expect(exportCombinedOnnx(filesOf(tinyEncoder()), linearFile('e'.repeat(64), 'none'))).rejects.toThrow(/the head was trained on enc \(hash eeeeeeeeeeee…\), this encoder \(enc: model, tokenizer and config\) has hash [0-9a-f]{12}…/);
    const enc = tinyEncoder();
    const otherTokenizer = { model: enc, tokenizerJson: { model: { type: 'WordLevel', vocab: { b: 0 }, unk_token: 'b' } } };
    await expect(exportCombinedOnnx(otherTokenizer, linearFile(await identity(enc), 'none'))).rejects.toThrow(/the head was trained on enc/);
  });

  it('refuses a pair-input head on an encoder without token_type_ids', async () => {
    const enc = tinyEncoder();
    await expect(exportCombinedOnnx(filesOf(enc), linearFile(await identity(enc), 'pair-input'))).rejects.toThrow(/trained with the model's pair input, but this encoder has no token_type_ids input/);
  });

  it('refuses a head model without labeltune metadata and a pooled output the encoder lacks', async () => {
    const tb = makeTinyBert();
    const g = new Graph('x');
    g.output(g.input('pooled', 'float', ['batch', C]), 'float', ['batch', C]);
    await expect(exportCombinedOnnx(filesOf(tb.model), g.toBytes())).rejects.toThrow(/the head model's metadata format is null, expected "labeltune-head-onnx"/);
    const head = exportHeadOnnxFromFile(linearFile(await identity(tb.model), 'none'));
    await expect(exportCombinedOnnx(filesOf(tb.model), head, { pooledOutput: 'pooler_output' })).rejects.toThrow(/the encoder has no output "pooler_output" \(outputs: last_hidden_state\)/);
  });
});
