// The safetensors container (round trip, byte layout, every malformed-file error) and the head-file validation
// that runs before any GPU work (format, version, encoder identity, kind, config, tensor set, shapes, finite
// values). The GPU round trips of real heads are in tests/gpu/serialize.test.ts.
import { describe, expect, it } from 'vitest';
import type { GpuEngine } from '../../src/gpu/engine';
import { MAX_LABELS } from '../../src/data/columns';
import { IMPORT_LIMITS, importHead } from '../../src/heads/serialize';
import { readSafetensors, writeSafetensors, type F32Tensor } from '../../src/heads/safetensors';

/** A raw file from a header object and a data section (for malformed cases the writer refuses to produce). */
function raw(header: unknown, data = new Uint8Array(0), headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors container', () => {
  it('round-trips tensors and metadata bit for bit, header 8-byte aligned, data little-endian', () => {
    const a = Float32Array.from([1.5, -0, Number.MIN_VALUE, 3.4e38, -7.25, 1 / 3]);
    const b = Float32Array.from([42]);
    const file = writeSafetensors({ a: { shape: [2, 3], data: a }, b: { shape: [1], data: b }, empty: { shape: [0, 4], data: new Float32Array(0) } }, { x: 'y', 'ü': '{"k":[1]}' });
    const n = new DataView(file.buffer).getUint32(0, true);
    expect(new DataView(file.buffer).getUint32(4, true)).toBe(0);
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n)));
    expect(header.a).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b.data_offsets).toEqual([24, 28]);
    expect(new DataView(file.buffer).getFloat32(8 + n + 24, true)).toBe(42);
    const r = readSafetensors(file);
    expect(r.metadata).toEqual({ x: 'y', 'ü': '{"k":[1]}' });
    expect(r.tensors.a.shape).toEqual([2, 3]);
    expect(new Uint32Array(r.tensors.a.data.buffer)).toEqual(new Uint32Array(a.buffer));
    expect(Array.from(r.tensors.b.data)).toEqual([42]);
    expect(r.tensors.empty).toEqual({ shape: [0, 4], data: new Float32Array(0) });
    // A view into a larger, unaligned buffer parses the same.
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(readSafetensors(shifted.subarray(3)).tensors.a.data).toEqual(r.tensors.a.data);
  });

  it('the writer refuses a shape/size mismatch and non-string metadata', () => {
    expect(() => writeSafetensors({ a: { shape: [2, 2], data: new Float32Array(3) } }, {})).toThrow(/"a" has 3 values but shape \[2,2\] needs 4/);
    expect(() => writeSafetensors({}, { n: 1 as unknown as string })).toThrow(/metadata "n" must be a string/);
  });

  const ok = (shape: number[], off: [number, number], dtype = 'F32') => ({ dtype, shape, data_offsets: off });
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(5), /5 bytes, too short for the 8-byte header length/],
    ['header length past the end', (() => { const f = raw({}); new DataView(f.buffer).setUint32(0, 999, true); return f; })(), /header length 999 does not fit a file of \d+ bytes/],
    ['huge header length', (() => { const f = raw({}); new DataView(f.buffer).setUint32(4, 1, true); return f; })(), /header length 4294967\d+ does not fit/],
    ['header not JSON', raw(null, undefined, '{"a": nope}'), /header \(11 bytes\) is not valid UTF-8 JSON/],
    ['header not an object', raw([1, 2]), /header is not a JSON object/],
    ['dtype not F32', raw({ a: ok([1], [0, 2], 'F16') }, new Uint8Array(2)), /"a" has dtype "F16"; only F32 is supported/],
    ['bad shape', raw({ a: ok([-1], [0, 4]) }, new Uint8Array(4)), /"a" has an invalid shape \[-1\]/],
    ['bad offsets', raw({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(4)), /"a" has invalid data_offsets \[0\]/],
    ['offsets out of range', raw({ a: ok([2], [0, 8]) }, new Uint8Array(4)), /"a" data_offsets \[0, 8\] are out of range for 4 data bytes/],
    ['shape/size mismatch', raw({ a: ok([3], [0, 8]) }, new Uint8Array(8)), /"a" spans 8 bytes but F32 shape \[3\] needs 12/],
    ['overlap', raw({ a: ok([2], [0, 8]), b: ok([1], [4, 8]) }, new Uint8Array(8)), /"a" and "b" overlap/],
    ['gap', raw({ a: ok([1], [4, 8]) }, new Uint8Array(8)), /gap of 4 unindexed data bytes before tensor "a"/],
    ['trailing bytes', raw({ a: ok([1], [0, 4]) }, new Uint8Array(12)), /8 data bytes after the last tensor/],
    ['metadata not strings', raw({ __metadata__: { v: 1 } }), /metadata "v" is a number, the format allows strings only/],
  ];
  for (const [name, bytes, re] of cases) {
    it(`rejects: ${name}`, () => {
      expect(() => readSafetensors(bytes)).toThrow(re);
    });
  }

  it('rejects a truncated file', () => {
    const f = writeSafetensors({ a: { shape: [4], data: new Float32Array(4) } }, { k: 'v' });
    expect(() => readSafetensors(f.subarray(0, f.length - 1))).toThrow(/out of range for 15 data bytes \(truncated file\?\)/);
    expect(() => readSafetensors(f.subarray(0, 20))).toThrow(/does not fit a file of 20 bytes/);
  });
});

describe('head file validation (before any GPU work)', () => {
  const C = 3;
  const L = 2;
  const meta = (over: Record<string, string> = {}): Record<string, string> => ({
    format: 'labeltune-head',
    version: '2',
    kind: 'linear',
    config: JSON.stringify({ C, labels: L, pair: false }),
    labels: '["neg","pos"]',
    label_texts: '["negative","positive"]',
    encoder_name: 'use-lite',
    encoder_hash: 'a'.repeat(64),
    tokenizer: '{"tmax":128,"pair":"none"}',
    training: '{}',
    metrics: '{"accuracy":0.5,"macroF1":0.5}',
    created_at: '2026-01-01T00:00:00.000Z',
    ...over,
  });
  const params = (): Record<string, F32Tensor> => ({ 'param.W': { shape: [C, L], data: new Float32Array(C * L) }, 'param.b': { shape: [L], data: new Float32Array(L) } });
  // No GPU: every case below must fail before the engine is touched.
  const noEngine = new Proxy({}, { get: () => { throw new Error('engine touched'); } }) as GpuEngine;
  const load = (t: Record<string, F32Tensor>, md: Record<string, string>, hash = 'a'.repeat(64)) => importHead(noEngine, writeSafetensors(t, md), { encoderHash: hash, encoderName: 'minilm' });

  it('refuses a head for another encoder, naming both', () => {
    expect(() => load(params(), meta(), 'b'.repeat(64))).toThrow(
      'this head was trained on use-lite (hash aaaaaaaaaaaa…), the loaded encoder is minilm (bbbbbbbbbbbb…) — the hash covers the model, tokenizer and config; load use-lite or retrain',
    );
  });

  const bad: [string, Record<string, F32Tensor>, Record<string, string>, RegExp][] = [
    ['wrong format', params(), meta({ format: 'other' }), /format is "other", expected "labeltune-head"/],
    ['newer version', params(), meta({ version: '4' }), /format version 4 was written by a newer labeltune than this one \(it reads versions 2 to 3; version 3 added multi-label heads\): update labeltune/],
    ['version 3 without its task', params(), meta({ version: '3' }), /format version 3 is a multi-label head but the file has no "task" metadata/],
    ['multi-label task in a version-2 file', params(), meta({ task: '{"type":"multi-label","thresholds":[0.5,0.5]}' }), /a multi-label head must be format version 3, this file says 2/],
    ['thresholds out of range', params(), meta({ version: '3', task: '{"type":"multi-label","thresholds":[0.5,1.5]}' }), /"task"\.thresholds must be 2 numbers in \(0, 1\)/],
    ['unknown task type', params(), meta({ version: '3', task: '{"type":"ranking"}' }), /"task" has type "ranking"/],
    ['bad temperature', params(), meta({ calibration: '{"temperature":-1}' }), /calibration"\.temperature must be a positive number, got -1/],
    ['version 1 (model hash only, no tokenizer)', params(), meta({ version: '1' }), /format version 1 recorded only the model's hash, not the tokenizer the head was trained under, .*retrain the head with this build/],
    ['unknown kind', params(), meta({ kind: 'mystery' }), /unknown head kind "mystery"/],
    ['config not JSON', params(), meta({ config: '{C:' }), /metadata "config" is not valid JSON/],
    ['config field wrong', params(), meta({ config: JSON.stringify({ C, labels: 0, pair: false }) }), /config \(linear\)\.labels must be a positive integer, got 0/],
    ['ytuning config unbuildable', params(), meta({ kind: 'ytuning', config: JSON.stringify({ C, L, d: 6, H: 4, N: 1, ffn: 24, seed: 0, lnEps: 1e-5, labelSeeds: false }) }), /config does not rebuild a ytuning head: ytuning: H \(4\) must divide d \(6\)/],
    ['ltuning config unbuildable', params(), meta({ kind: 'label-attn-prompt', config: JSON.stringify({ C, L, d: 6, H: 4, m: 4, Tl: 1, seed: 0, lnEps: 1e-5 }) }), /config does not rebuild a label-attn-prompt head: label-attn-prompt: H \(4\) must divide d \(6\)/],
    ['ltuning prompt with Tl > 1', params(), meta({ kind: 'label-attn-prompt', config: JSON.stringify({ C, L, d: 4, H: 2, m: 4, Tl: 3, seed: 0, lnEps: 1e-5 }) }), /config \(label-attn-prompt\)\.Tl must be 1 for a prompt head, got 3/],
    ['ltuning prefix without m', params(), meta({ kind: 'label-attn-prefix', config: JSON.stringify({ C, L, d: 4, H: 2, Tl: 3, seed: 0, lnEps: 1e-5 }) }), /config \(label-attn-prefix\)\.m must be a positive integer, got undefined/],
    ['ltuning prefix with linear tensors', params(), meta({ kind: 'label-attn-prefix', config: JSON.stringify({ C, L, d: 4, H: 2, m: 2, Tl: 3, seed: 0, lnEps: 1e-5 }) }), /unexpected tensor "param\.W" for a label-attn-prefix head/],
    ['label-attn config of a version this build does not read', params(), meta({ kind: 'label-attn-prompt', config: JSON.stringify({ version: 3, C, L, d: 4, H: 2, m: 1, ffn: 8, Tl: 1, pair: false, seed: 0, lnEps: 1e-5 }) }), /config \(label-attn-prompt\)\.version is 3; this build reads version 1 \(no "version"\) and 2 — re-export the head/],
    ['label-attn version 2 without pair', params(), meta({ kind: 'label-attn-prompt', config: JSON.stringify({ version: 2, C, L, d: 4, H: 2, m: 1, ffn: 8, Tl: 1, seed: 0, lnEps: 1e-5 }) }), /config \(label-attn-prompt\)\.pair must be true or false, got undefined/],
    ['label-attn version 2 prompt with m > 1', params(), meta({ kind: 'label-attn-prompt', config: JSON.stringify({ version: 2, C, L, d: 4, H: 2, m: 2, ffn: 8, Tl: 1, pair: false, seed: 0, lnEps: 1e-5 }) }), /config \(label-attn-prompt\)\.m must be 1 for a prompt head, got 2/],
    ['label-attn version 2 with linear tensors', params(), meta({ kind: 'label-attn-prefix', config: JSON.stringify({ version: 2, C, L, d: 4, H: 2, m: 2, ffn: 8, Tl: 3, pair: false, seed: 0, lnEps: 1e-5 }) }), /unexpected tensor "param\.W" for a label-attn-prefix head/],
    // A file saved before the rename (kind ltuning-prefix, the cached-feature config) is read as label-attn-prefix.
    ['pre-rename ltuning-prefix file', params(), meta({ kind: 'ltuning-prefix', config: JSON.stringify({ C, L, d: 4, H: 2, m: 2, Tl: 3, seed: 0, lnEps: 1e-5 }) }), /unexpected tensor "param\.W" for a label-attn-prefix head/],
    ['ltuning-prefix file of another method', params(), meta({ kind: 'ltuning-prefix', config: JSON.stringify({ method: 'prefix', L, P: 2, d: 4, E: 4, Cp: 4, widths: [4] }) }), /config \(ltuning-prefix\)\.method must be "lt-prefix", got "prefix"/],
    ['labels count', params(), meta({ labels: '["a"]' }), /metadata "labels" has 1 entries but the head has 2 labels/],
    ['missing metadata', params(), (() => { const m = meta(); delete m.created_at; return m; })(), /metadata "created_at" is missing/],
    ['tokenizer pair', params(), meta({ tokenizer: '{"tmax":128,"pair":"glued"}' }), /tokenizer\.pair must be/],
    ['missing tensor', { 'param.W': params()['param.W'] }, meta(), /tensor "param\.b" is missing/],
    ['extra tensor', { ...params(), 'param.X': { shape: [1], data: new Float32Array(1) } }, meta(), /unexpected tensor "param\.X" for a linear head/],
    ['wrong shape', { ...params(), 'param.W': { shape: [L, C], data: new Float32Array(C * L) } }, meta(), /"param\.W" has shape \[2,3\], the config needs \[3,2\]/],
    ['non-finite value', { ...params(), 'param.b': { shape: [L], data: Float32Array.from([0, NaN]) } }, meta(), /"param\.b" holds a non-finite value \(NaN\) at index 1/],
  ];
  for (const [name, t, md, re] of bad) {
    it(`rejects: ${name}`, () => {
      expect(() => load(t, md)).toThrow(re);
    });
  }

  it('rejects a tensor named __proto__ (no plain-object map can hide it)', () => {
    // Written as "xxxxxxxxx" (9 letters), then renamed in the header bytes to "__proto__" (9 letters).
    const file = writeSafetensors({ ...params(), xxxxxxxxx: { shape: [1], data: new Float32Array(1) } }, meta());
    const n = new DataView(file.buffer).getUint32(0, true);
    const header = new TextDecoder().decode(file.subarray(8, 8 + n)).replace('"xxxxxxxxx"', '"__proto__"');
    file.set(new TextEncoder().encode(header), 8);
    expect(Object.keys(readSafetensors(file).tensors)).toContain('__proto__');
    expect(() => importHead(noEngine, file, { encoderHash: 'a'.repeat(64) })).toThrow(/unexpected tensor "__proto__" for a linear head/);
  });

  it('checks a forged L-Tuning config against the file\'s own tensors before allocating anything', () => {
    // Within every cap, but L*Tl*C = 1000*8192*16384 floats: the config alone must not size an allocation.
    const huge = meta({ kind: 'ltuning-prefix', config: JSON.stringify({ C: 16384, L: 1000, d: 4, H: 2, m: 2, Tl: 8192, seed: 0, lnEps: 1e-5 }), labels: JSON.stringify(Array.from({ length: 1000 }, (_, i) => `l${i}`)), label_texts: JSON.stringify(Array.from({ length: 1000 }, (_, i) => `l${i}`)) });
    expect(() => load({}, huge)).toThrow(/head file: tensor "config\.labelTokens" is missing/);
    const prompt = meta({ kind: 'ltuning-prompt', config: JSON.stringify({ C: 16384, L: 1000, d: 4, H: 2, m: 2, Tl: 1, seed: 0, lnEps: 1e-5 }) });
    expect(() => load({ 'config.labelSeeds': { shape: [2, 3], data: new Float32Array(6) } }, prompt)).toThrow(/metadata "labels" has 2 entries but the head has 1000 labels/);
  });

  const capped: [string, Record<string, string>, RegExp][] = [
    ['L-Tuning with 2,000 labels (the reported 5 KB file)', meta({ kind: 'ltuning-prefix', config: JSON.stringify({ C: 512, L: 2000, d: 64, H: 4, m: 4, Tl: 100, seed: 0, lnEps: 1e-5 }) }), /config \(label-attn-prefix\)\.L is 2000, more than a head file may have \(at most 1,000\)/],
    ['a linear head 1e6 wide', meta({ config: JSON.stringify({ C: 1_000_000, labels: 2, pair: false }) }), /config \(linear\)\.C is 1000000, more than a head file may have \(at most 16,384\)/],
    ['Y-Tuning with 1e6 decoder layers', meta({ kind: 'ytuning', config: JSON.stringify({ C, L, d: 4, H: 2, N: 1_000_000, ffn: 16, seed: 0, lnEps: 1e-5, labelSeeds: false }) }), /config \(ytuning\)\.N is 1000000, more than a head file may have \(at most 64\)/],
    ['label texts of 200,000 characters', meta({ label_texts: JSON.stringify(['x'.repeat(200_000), 'y']) }), /metadata "label_texts" entry 0 is 200,000 characters long \(at most 100,000\)/],
    ['a token limit of 1e9', meta({ tokenizer: '{"tmax":1000000000,"pair":"none"}' }), /tokenizer\.tmax is 1000000000, more than a head file may have \(at most 8,192\)/],
  ];
  for (const [name, md, re] of capped) {
    it(`caps on import: ${name}`, () => {
      expect(() => load(params(), md)).toThrow(re);
    });
  }

  it('refuses a head whose width is not the loaded encoder\'s (before any GPU work)', () => {
    expect(() => importHead(noEngine, writeSafetensors(params(), meta()), { encoderHash: 'a'.repeat(64), encoderName: 'minilm', encoderWidth: 384 })).toThrow(
      "head file: this head reads 3-wide encoder features, but minilm gives 384-wide ones (the file's encoder hash matches, so its config is corrupt or forged); re-export the head",
    );
  });

  it('caps labels exactly as datasets are capped', () => {
    expect(IMPORT_LIMITS.labels).toBe(MAX_LABELS);
  });

  // A complete L-Tuning prefix file (C 3, L 2, d 4, H 2, m 2, Tl 3) minus whatever a case breaks.
  const Tl = 3;
  const prefixMeta = meta({ kind: 'label-attn-prefix', config: JSON.stringify({ C, L, d: 4, H: 2, m: 2, Tl, seed: 0, lnEps: 1e-5 }) });
  const prefixTensors = (mask: number[] = [1, 1, 0, 1, 0, 0]): Record<string, F32Tensor> => {
    const t: Record<string, F32Tensor> = {
      'config.labelTokens': { shape: [L, Tl, C], data: new Float32Array(L * Tl * C) },
      'config.labelMask': { shape: [L, Tl], data: Float32Array.from(mask) },
    };
    const shapes: Record<string, number[]> = { wa: [1, C], Wz: [C, 8], bz: [8], Wf: [C, 4], bf: [4], mg: [4], mb: [4], Wk: [4, 4], Wv: [4, 4], lnfg: [4], u: [4, 1], c: [1] };
    for (const [n, sh] of Object.entries(shapes)) t[`param.${n}`] = { shape: sh, data: new Float32Array(sh.reduce((a, b) => a * b, 1)) };
    return t;
  };
  const ltBad: [string, Record<string, F32Tensor>, RegExp][] = [
    ['label mask not 0/1', prefixTensors([1, 0.5, 0, 1, 0, 0]), /tensor "config\.labelMask" must hold 0 or 1, got 0\.5 at index 1/],
    ['a label with no label token', prefixTensors([1, 1, 0, 0, 0, 0]), /the stored label-attn-prefix head does not rebuild: label-attn-prefix: label 1 has no unmasked label token/],
    ['missing label tokens', (() => { const t = prefixTensors(); delete t['config.labelTokens']; return t; })(), /tensor "config\.labelTokens" is missing/],
    ['label tokens of another Tl', { ...prefixTensors(), 'config.labelTokens': { shape: [L, 2, C], data: new Float32Array(L * 2 * C) } }, /"config\.labelTokens" has shape \[2,2,3\], the config needs \[2,3,3\]/],
  ];
  for (const [name, t, re] of ltBad) {
    it(`rejects an ltuning-prefix file: ${name}`, () => {
      expect(() => load(t, prefixMeta)).toThrow(re);
    });
  }
});
