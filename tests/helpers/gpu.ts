// One GPU engine per test file, on a real WebGPU adapter. Design decision: a GPU test that finds no adapter
// FAILS (acquireGpu throws NoAdapterError); it never skips. After each file the device is destroyed (a Dawn
// instance would otherwise keep the worker alive) and no uncaptured WebGPU error may have occurred.
import { afterAll, expect } from 'vitest';
import { acquireGpu, describeAdapter, type Gpu } from '../../src/gpu/device';
import { GpuEngine } from '../../src/gpu/engine';

let enginePromise: Promise<GpuEngine> | null = null;

export function testEngine(): Promise<GpuEngine> {
  if (!enginePromise) {
    enginePromise = acquireGpu().then((gpu: Gpu) => {
      if (!process.env.LABELTUNE_QUIET) console.info(`[gpu] ${describeAdapter(gpu.report)}`);
      return new GpuEngine(gpu);
    });
    afterAll(async () => {
      const e = await enginePromise!;
      await e.sync();
      const errors = [...e.gpu.uncapturedErrors];
      e.destroy();
      e.gpu.destroy();
      enginePromise = null;
      expect(errors, 'uncaptured WebGPU errors').toEqual([]);
    });
  }
  return enginePromise;
}

/** Upload float64 data as a float32 tensor. */
export function upload(e: GpuEngine, data: ArrayLike<number>, shape: number[], label: string) {
  return e.tensor(shape, label, Float32Array.from(data));
}
