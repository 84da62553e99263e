// The sizing rule of a first run (src/store/run-size.ts): with the numbers measured on SwiftShader for the default
// demo (600 train / 200 dev, Y-Tuning, batch 32, 10 epochs) it proposes a run that encodes and trains in about a
// minute; a fast adapter gets no proposal; the floor of 10 examples per label holds on a hopeless adapter.
import { describe, expect, it } from 'vitest';
import { proposeRunSize, runSeconds, type SizeInputs } from '../../src/store/run-size';

const demo: SizeInputs = { stepSeconds: 2.6, encodeSecondsPerText: 0.02, batchSize: 32, epochs: 10, trainSize: 600, devSize: 200, labels: 2 };

describe('proposeRunSize', () => {
  it('sizes the default demo on a CPU adapter to about a minute, epochs capped first', () => {
    const p = proposeRunSize(demo)!;
    expect(p).not.toBeNull();
    expect(p.epochs).toBe(4);
    expect(p.maxDev).toBe(110); // a quarter of the minute: 0.128 s per dev example (encode + 4 evaluations)
    expect(p.maxTrain).toBeGreaterThan(0);
    expect(p.maxTrain).toBeLessThan(600);
    expect(p.maxTrain % 10).toBe(0);
    expect(p.seconds).toBeLessThanOrEqual(60);
    expect(p.seconds).toBeGreaterThan(40); // not needlessly small: the next round size would overshoot
    expect(runSeconds(demo, p.maxTrain + 10, 110, 4)).toBeGreaterThan(60);
    // 10 epochs x 19 steps x 2.6 s + encode + dev passes: the ~9 minutes a new user waited.
    expect(p.fullSeconds).toBeGreaterThan(500);
  });

  it('costs the full run with its own step when the step was measured at a shorter Tmax', () => {
    const p = proposeRunSize({ ...demo, fullStepSeconds: 5.2 })!;
    expect(p.fullSeconds).toBeCloseTo(runSeconds({ ...demo, stepSeconds: 5.2 }, 600, 200, 10), 6);
    expect(p.maxTrain).toBe(proposeRunSize(demo)!.maxTrain);
  });

  it('proposes nothing when the full run already takes about a minute (a real GPU)', () => {
    expect(proposeRunSize({ ...demo, stepSeconds: 0.005, encodeSecondsPerText: 0.002 })).toBeNull();
  });

  it('counts the encode: a slow encoder leaves fewer examples in the run', () => {
    const fast = proposeRunSize({ ...demo, encodeSecondsPerText: 0 })!;
    const slow = proposeRunSize({ ...demo, encodeSecondsPerText: 0.05 })!;
    expect(slow.maxTrain + slow.maxDev).toBeLessThan(fast.maxTrain + fast.maxDev);
  });

  it('caps a large dev set and keeps 10 examples per label on a hopeless adapter', () => {
    const p = proposeRunSize({ ...demo, trainSize: 50_000, devSize: 5_000, labels: 6, stepSeconds: 60 })!;
    expect(p.maxDev).toBe(60);
    expect(p.maxTrain).toBe(60);
    // A cheap step: the dev sample stops at 200.
    expect(proposeRunSize({ ...demo, trainSize: 50_000, devSize: 5_000, stepSeconds: 0.5 })!.maxDev).toBe(200);
    expect(proposeRunSize({ ...demo, stepSeconds: Number.NaN })).toBeNull();
  });
});
