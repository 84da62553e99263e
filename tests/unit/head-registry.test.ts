// The head registry (src/heads/registry.ts): one entry per kind, looked up by name, each complete; the studio's
// head picker, the CLI's --head list and the file codec all read this list.
import { describe, expect, it } from 'vitest';
import { HEAD_KINDS, headEntry, headTrainDefaults, isHeadKind } from '../../src/heads/registry';

describe('head registry', () => {
  it('lists each kind once, Y-Tuning (the default) first', () => {
    expect(HEAD_KINDS[0]).toBe('ytuning');
    expect(new Set(HEAD_KINDS).size).toBe(HEAD_KINDS.length);
    expect([...HEAD_KINDS].sort()).toEqual([
      'finetune', 'label', 'label-attn-prefix', 'label-attn-prompt', 'linear', 'ltuning-prefix', 'ltuning-prompt', 'prefix-tuning', 'prompt-tuning', 'ytuning', 'zeroshot',
    ]);
    // The published L-Tuning and its baselines run the frozen encoder on token ids; the label-attention heads read cached features.
    for (const k of ['finetune', 'ltuning-prefix', 'ltuning-prompt', 'prefix-tuning', 'prompt-tuning'] as const) expect(headEntry(k).input, k).toBe('token-ids');
    for (const k of ['label-attn-prefix', 'label-attn-prompt'] as const) expect(headEntry(k).input, k).toBe('features');
  });

  it('gives each kind a complete entry under its own name', () => {
    for (const k of HEAD_KINDS) {
      const e = headEntry(k);
      expect(e.kind).toBe(k);
      expect(e.title.length).toBeGreaterThan(0);
      expect(['features', 'token-ids']).toContain(e.input);
      expect(typeof e.build).toBe('function');
      expect(typeof e.codec.save).toBe('function');
      expect(typeof e.onnx).toBe('function');
    }
  });

  it('knows the training defaults that differ by kind', () => {
    expect(headTrainDefaults('label-attn-prefix').objective).toBe('match');
    expect(headTrainDefaults('label-attn-prompt').objective).toBe('match');
    for (const k of ['ltuning-prefix', 'ltuning-prompt', 'prefix-tuning', 'prompt-tuning'] as const) expect(headTrainDefaults(k)).toEqual({ lr: 1e-3, objective: 'match' });
    expect(headTrainDefaults('linear')).toEqual({ lr: 1e-2, objective: 'softmax' });
    expect(headTrainDefaults('ytuning')).toEqual({ lr: 1e-3, objective: 'softmax' });
  });

  it('refuses a name that is not a kind', () => {
    expect(isHeadKind('mlp')).toBe(false);
    expect(isHeadKind(3)).toBe(false);
    expect(isHeadKind('label')).toBe(true);
    expect(() => headEntry('mlp')).toThrow(/unknown head kind "mlp" \(known: ytuning, /);
  });

  it('validates a stored config through the kind codec', () => {
    const { L, shapes } = headEntry('linear').codec.expect({ C: 8, labels: 3, pair: true });
    expect(L).toBe(3);
    expect(Object.fromEntries(shapes)).toEqual({ 'param.W': [32, 3], 'param.b': [3] });
    expect(() => headEntry('label').codec.expect({ C: 8, labels: 3, scale: 0, decay: false })).toThrow(/scale must be non-zero/);
  });
});
