// The engine itself on a real adapter: adapter report, round trips, pooling, pipeline cache, error scopes.
import { describe, expect, it } from 'vitest';
import { withErrorScopes } from '../../src/gpu/engine';
import { addForward, addForwardKernel } from '../../src/kernels/add';
import { u32 } from '../../src/gpu/uniforms';
import { testEngine } from '../helpers/gpu';

describe('GPU engine', () => {
  it('reports the adapter it runs on', async () => {
    const e = await testEngine();
    const r = e.gpu.report;
    expect(r.host).toBe('node');
    expect(typeof r.isFallbackAdapter).toBe('boolean');
    expect(r.limits.maxComputeInvocationsPerWorkgroup).toBeGreaterThanOrEqual(256);
    expect(r.limits.maxComputeWorkgroupStorageSize).toBeGreaterThanOrEqual(16384);
    expect(r.vendor + r.architecture + r.description).not.toBe('');
  });

  it('round-trips float32 and u32 data exactly', async () => {
    const e = await testEngine();
    const f = Float32Array.from({ length: 1001 }, (_, i) => Math.fround(Math.sin(i) * 1e3));
    const t = e.tensor([7, 143], 'roundtrip', f);
    expect(await t.read()).toEqual(f);
    const u = Uint32Array.from({ length: 5 }, (_, i) => 0xffffffff - i);
    const tu = e.tensor([5], 'roundtrip.u32', u);
    expect(await tu.readU32()).toEqual(u);
    t.release();
    tu.release();
  });

  it('reuses pooled buffers and compiles one pipeline per kernel for every shape', async () => {
    const e = await testEngine();
    const before = e.pipelines.compiled;
    for (const n of [3, 70, 1000, 3]) {
      const a = e.tensor([n], 'a', new Float32Array(n).fill(1));
      const y = e.tensor([n], 'y');
      addForward(e, a, a, y);
      expect((await y.read())[n - 1]).toBe(2);
      a.release();
      y.release();
    }
    expect(e.pipelines.compiled - before).toBeLessThanOrEqual(1);
    const created = e.pool.bytesAllocated;
    const t = e.tensor([3], 'again');
    expect(e.pool.bytesAllocated).toBe(created); // served from the pool
    t.release();
  });

  it('zeros() clears recycled buffers', async () => {
    const e = await testEngine();
    const dirty = e.tensor([64], 'dirty', new Float32Array(64).fill(7));
    dirty.release();
    const z = e.zeros([64], 'zeros');
    expect(Array.from(await z.read()).every((v) => v === 0)).toBe(true);
    z.release();
  });

  it('error scopes surface validation errors instead of swallowing them', async () => {
    const e = await testEngine();
    await expect(
      withErrorScopes(e.device, async () => {
        // A mapped-read buffer cannot be a storage binding: the dispatch is invalid.
        const bad = e.device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'bad' });
        const a = e.tensor([4], 'a', new Float32Array(4));
        try {
          e.run(addForwardKernel, [a, a, bad], [u32(4)], [1]);
          await e.sync();
        } finally {
          a.release();
          bad.destroy();
        }
      }),
    ).rejects.toThrow(/WebGPU error/);
  });

  it('rejects mismatched sizes with a message naming the tensors', async () => {
    const e = await testEngine();
    const a = e.tensor([4], 'left');
    const b = e.tensor([5], 'right');
    expect(() => addForward(e, a, b, a)).toThrow(/"left" has 4 elements, "right" has 5/);
    a.release();
    b.release();
  });
});
