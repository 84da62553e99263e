// src/encoder/model-files.ts and runtime.ts without sessions: the model-interface check and its messages,
// ModelFiles/config validation, the EP policy table and the before/after EP assertions.
import { describe, expect, it } from 'vitest';
import {
  checkModelInterface,
  readEncoderConfig,
  validateModelFiles,
  type ValueInfo,
} from '../../src/encoder/model-files';
import { assertEpAfterCreate, checkEpBeforeCreate, resolveEp, sessionOptionsFor, type OrtRuntime } from '../../src/encoder/runtime';

const i64 = (name: string): ValueInfo => ({ name, type: 'int64', shape: ['batch', 'seq'] });
const hidden = (c: number | string = 32): ValueInfo => ({ name: 'last_hidden_state', type: 'float32', shape: ['batch', 'seq', c] });

describe('checkModelInterface', () => {
  it('accepts the BERT interface (pair input) and the USE-lite one (pooled output, no pair input)', () => {
    expect(checkModelInterface('bert', [i64('input_ids'), i64('attention_mask'), i64('token_type_ids')], [hidden()])).toEqual({
      hasPairInput: true, hiddenOutput: 'last_hidden_state', pooledOutput: undefined, hiddenSize: 32,
    });
    const use = checkModelInterface('use-lite', [i64('input_ids'), i64('attention_mask')],
      [hidden(512), { name: 'sentence_embedding', type: 'float32', shape: ['batch', 512] }]);
    expect(use).toMatchObject({ hasPairInput: false, pooledOutput: 'sentence_embedding', hiddenSize: 512 });
  });

  it('names expected and found inputs when attention_mask is missing or an input is unknown', () => {
    expect(() => checkModelInterface('x', [i64('input_ids')], [hidden()])).toThrow(
      'model "x" has inputs [input_ids]; expected input_ids and attention_mask (and optionally token_type_ids) (missing attention_mask)',
    );
    expect(() => checkModelInterface('x', [i64('input_ids'), i64('attention_mask'), i64('position_ids')], [hidden()])).toThrow(
      /has inputs \[input_ids, attention_mask, position_ids\]; .*unsupported position_ids/,
    );
  });

  it('rejects wrong input types and ranks, wrong outputs, and a configured pooled output that is absent', () => {
    expect(() => checkModelInterface('x', [{ ...i64('input_ids'), type: 'int32' }, i64('attention_mask')], [hidden()])).toThrow(
      'model "x": input input_ids has type int32; expected int64 [batch, seq]',
    );
    expect(() => checkModelInterface('x', [i64('input_ids'), { ...i64('attention_mask'), shape: [1, 2, 3] }], [hidden()])).toThrow(/attention_mask has shape \[1, 2, 3\]/);
    expect(() => checkModelInterface('x', [i64('input_ids'), i64('attention_mask')], [{ ...hidden(), name: 'logits' }])).toThrow(
      'model "x" has outputs [logits]; expected last_hidden_state [batch, seq, C] (and optionally sentence_embedding [batch, C])',
    );
    expect(() => checkModelInterface('x', [i64('input_ids'), i64('attention_mask')], [{ ...hidden(), type: 'int64' }])).toThrow(/last_hidden_state has type int64; expected float32/);
    expect(() => checkModelInterface('x', [i64('input_ids'), i64('attention_mask')], [hidden()], { pooledOutput: 'pooler_output' })).toThrow(
      'model "x": config.json names the pooled output "pooler_output", but the model has outputs [last_hidden_state]',
    );
  });

  it('takes C from config when shapes are symbolic and reports disagreements', () => {
    expect(checkModelInterface('x', [i64('input_ids'), i64('attention_mask')], [hidden('C')]).hiddenSize).toBeUndefined();
    expect(checkModelInterface('x', [i64('input_ids'), i64('attention_mask')], [hidden('C')], { hiddenSize: 48 }).hiddenSize).toBe(48);
    expect(() => checkModelInterface('x', [i64('input_ids'), i64('attention_mask')], [hidden(32)], { hiddenSize: 48 })).toThrow(
      'model "x": the hidden size disagrees: last_hidden_state shape 32, config.json hidden_size 48',
    );
  });
});

describe('validateModelFiles / readEncoderConfig', () => {
  const ok = { name: 'm', model: new Uint8Array([1]), tokenizerJson: { model: { type: 'WordPiece' } } };
  it('accepts good files and names the field that is wrong', () => {
    expect(() => validateModelFiles(ok)).not.toThrow();
    expect(() => validateModelFiles(null)).toThrow(/expected an object/);
    expect(() => validateModelFiles({ ...ok, name: '' })).toThrow(/"name" must be a non-empty string/);
    expect(() => validateModelFiles({ ...ok, model: new ArrayBuffer(4) })).toThrow(/Uint8Array.*got an ArrayBuffer/);
    expect(() => validateModelFiles({ ...ok, model: new Uint8Array() })).toThrow(/the .onnx file is empty/);
    expect(() => validateModelFiles({ ...ok, tokenizerJson: { do_lower_case: true } })).toThrow(/tokenizer.json has no "model" section/);
    expect(() => validateModelFiles({ ...ok, config: [] })).toThrow(/"config" must be the parsed config.json object/);
  });

  it('reads max_tokens before max_position_embeddings and checks types', () => {
    expect(readEncoderConfig('m', undefined)).toEqual({ hiddenSize: undefined, maxTokens: undefined, pooledOutput: undefined, padTokenId: undefined });
    expect(readEncoderConfig('m', { max_tokens: 128, max_position_embeddings: 512, pooled_output: 'sentence_embedding', hidden_size: 512 }))
      .toEqual({ hiddenSize: 512, maxTokens: 128, pooledOutput: 'sentence_embedding', padTokenId: undefined });
    expect(readEncoderConfig('m', { max_position_embeddings: 512 }).maxTokens).toBe(512);
    expect(() => readEncoderConfig('m', { hidden_size: '32' })).toThrow('model "m": config.json "hidden_size" must be a non-negative integer, got the string "32"');
    // Our converters' spelling (tools/convert-use-lite.ts writes it).
    expect(readEncoderConfig('use-lite', { format: 'labeltune-encoder-config', hiddenSize: 512, maxTokens: 128, pooledOutput: 'sentence_embedding' }))
      .toEqual({ hiddenSize: 512, maxTokens: 128, pooledOutput: 'sentence_embedding', padTokenId: undefined });
    expect(() => readEncoderConfig('m', { hiddenSize: 512, hidden_size: 256 })).toThrow('model "m": config.json "hiddenSize" (512) and "hidden_size" (256) disagree');
  });
});

describe('EP policy and assertions', () => {
  it('resolveEp: auto is wasm without an adapter or on a fallback adapter, webgpu on a real GPU, cpu on Node', () => {
    expect(resolveEp('auto', 'web', null)).toBe('wasm');
    expect(resolveEp('auto', 'web')).toBe('wasm');
    expect(resolveEp('auto', 'web', { isFallbackAdapter: true })).toBe('wasm');
    expect(resolveEp('auto', 'web', { isFallbackAdapter: false })).toBe('webgpu');
    expect(resolveEp('wasm', 'web', { isFallbackAdapter: false })).toBe('wasm');
    expect(resolveEp('webgpu', 'web', { isFallbackAdapter: true })).toBe('webgpu');
    expect(resolveEp('auto', 'node', { isFallbackAdapter: false })).toBe('cpu');
    expect(() => resolveEp('wasm', 'node')).toThrow(/EP policy "wasm" needs onnxruntime-web \(runtime 'web'\)/);
    expect(() => resolveEp('cuda' as never, 'web')).toThrow(/unknown EP policy "cuda"/);
  });

  it('sessions are created with exactly one EP', () => {
    expect(sessionOptionsFor('wasm').executionProviders).toEqual(['wasm']);
  });

  it('checkEpBeforeCreate: WebGPU without navigator.gpu and EPs of the other runtime are errors', () => {
    const web = { kind: 'web', ort: { env: {} } } as unknown as OrtRuntime;
    const node = { kind: 'node', ort: { env: {} } } as unknown as OrtRuntime;
    expect(() => checkEpBeforeCreate(web, 'wasm')).not.toThrow();
    expect(() => checkEpBeforeCreate(node, 'wasm')).toThrow(`EP "wasm" does not belong to runtime 'node' (it runs cpu)`);
    expect(() => checkEpBeforeCreate(web, 'cpu')).toThrow(/EP "cpu" does not belong to runtime 'web'/);
    expect(() => checkEpBeforeCreate(web, 'webgpu')).toThrow(/the WebGPU EP was requested but WebGPU is missing here \(no navigator.gpu\)/);
  });

  it('assertEpAfterCreate: a WebGPU session without onnxruntime\'s WebGPU device is an error; with one it is described', () => {
    const without = { kind: 'web', ort: { env: { webgpu: {} } } } as unknown as OrtRuntime;
    expect(() => assertEpAfterCreate(without, 'webgpu')).toThrow(/created no WebGPU device/);
    const withDevice = {
      kind: 'web',
      ort: { env: { webgpu: { device: {}, adapter: { info: { vendor: 'nvidia', architecture: 'hopper', isFallbackAdapter: false } } } } },
    } as unknown as OrtRuntime;
    expect(assertEpAfterCreate(withDevice, 'webgpu')).toBe('onnxruntime-web webgpu (nvidia hopper)');
    expect(assertEpAfterCreate(without, 'wasm')).toBe('onnxruntime-web wasm');
  });
});
