// The studio's in-app engine self-check, run in Node on the test adapter: every check passes, and a check
// that is fed a wrong answer reports failure (the self-check itself cannot pass by accident).
import { describe, expect, it } from 'vitest';
import { CHECKS, runSelfCheck } from '../../src/diagnostics/self-check';
import { testEngine } from '../helpers/gpu';

describe('engine self-check', () => {
  it('passes every check on this adapter', async () => {
    const e = await testEngine();
    const results = await runSelfCheck(e);
    expect(results.length).toBe(CHECKS.length);
    for (const r of results) expect(r, `${r.name}: ${r.error ?? r.worstRatio}`).toMatchObject({ ok: true });
  });

  it('fails a check whose result disagrees with its reference', async () => {
    const e = await testEngine();
    const original = CHECKS[0].run;
    CHECKS[0].run = async (engine, rand) => {
      const pairs = await original(engine, rand);
      pairs[0][0][3] += 0.01;
      return pairs;
    };
    try {
      const [first] = await runSelfCheck(e);
      expect(first.ok).toBe(false);
      expect(first.worstRatio).toBeGreaterThan(1);
    } finally {
      CHECKS[0].run = original;
    }
  });
});
