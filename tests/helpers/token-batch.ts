// Random padded token-id batches for the WGSL encoder tests (seeded: every input reproducible).
import { mulberry32 } from '../../src/data/random';
import type { TokenBatch } from '../../src/model/inputs';
import type { EncoderSpec } from '../../src/model/spec';

/** Rows of the given real lengths padded to T: ids in [1, V), mask 1 on real tokens, types 0 then 1 (BERT pairs). */
export function randomTokenBatch(spec: EncoderSpec, lengths: number[], T: number, seed: number, types: boolean): TokenBatch {
  const rand = mulberry32(seed);
  const B = lengths.length;
  const ids = new Uint32Array(B * T);
  const mask = new Float32Array(B * T);
  const tokenTypes = types ? new Uint32Array(B * T) : null;
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) {
      ids[b * T + t] = 1 + Math.floor(rand() * (spec.vocabSize - 1));
      mask[b * T + t] = 1;
      if (tokenTypes && t >= n / 2) tokenTypes[b * T + t] = 1;
    }
  });
  return { B, T, ids, mask, tokenTypes };
}
