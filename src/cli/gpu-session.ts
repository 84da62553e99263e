// The GPU side of a labeltune command: acquire the adapter and an engine, always destroy them (a live Dawn
// device keeps Node running), and describe the adapter for --json reports.
// Design decision: one helper owns the lifetime, so every command releases the GPU on success and on error alike.
import { acquireGpu, describeAdapter, type Gpu } from '../gpu/device';
import { GpuEngine } from '../gpu/engine';

export async function withGpu<T>(fn: (engine: GpuEngine, gpu: Gpu) => Promise<T>): Promise<T> {
  const gpu = await acquireGpu();
  const engine = new GpuEngine(gpu);
  try {
    return await fn(engine, gpu);
  } finally {
    engine.destroy();
    gpu.destroy();
  }
}

/** The adapter report for JSON output (limits and features left out: they are long and rarely useful). */
export function adapterJson(gpu: Gpu) {
  return { ...gpu.report, limits: undefined, features: undefined, description: describeAdapter(gpu.report) };
}
