// How a token-id kind's sentence pairs reach the encoder in the studio (src/store/token-sets.ts), as the CLI does:
// L-Tuning kinds (joint pairs) always as one sequence; fine-tuning through the encoder's pair input where it has
// one, else side by side; single texts as single texts.
import { describe, expect, it } from 'vitest';
import { tokenPairMode } from '../../src/store/token-sets';

describe('tokenPairMode', () => {
  it('follows the kind and the encoder', () => {
    expect(tokenPairMode('finetune', false, true)).toBe('none');
    expect(tokenPairMode('finetune', true, true)).toBe('pair-input');
    expect(tokenPairMode('finetune', true, false)).toBe('side-by-side');
    expect(tokenPairMode('ltuning-prefix', true, false)).toBe('pair-input');
    expect(tokenPairMode('ltuning-prompt', false, false)).toBe('none');
  });
});
