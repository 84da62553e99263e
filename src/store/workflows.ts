// Cross-slice async actions. Design decision: UI components call these and only read state; all GPU work and
// error handling lives here, so failures land in the store as specific messages the page shows.
import { acquireGpu, NoAdapterError } from '../gpu/device';
import { GpuEngine } from '../gpu/engine';
import { runSelfCheck } from '../diagnostics/self-check';
import { getTrainerClient } from './run-control';
import { useStudio } from './store';

let engine: GpuEngine | null = null;
let starting: Promise<void> | null = null;

/** The studio's GPU engine once startEngine() has acquired a device (null before, or after a device loss). */
export function getEngine(): GpuEngine | null {
  return engine;
}

/**
 * Forget `e` when its device turned out to be unusable before its `lost` promise said so (Chromium resolves it
 * late for a destroyed device): the next startEngine() acquires a new device.
 */
export function dropEngine(e: GpuEngine): void {
  if (engine === e) engine = null;
}

/** Acquire the GPU and run the kernel self-check; concurrent calls share one run. */
export function startEngine(): Promise<void> {
  starting ??= doStartEngine().finally(() => {
    starting = null;
  });
  return starting;
}

async function doStartEngine(): Promise<void> {
  const { setEngine, addCheck } = useStudio.getState();
  setEngine({ engineStatus: 'starting', engineError: null, checks: [], deviceLost: null });
  try {
    if (!engine) {
      const gpu = await acquireGpu({
        onLost: (msg) => {
          engine = null;
          useStudio.getState().setEngine({ engineStatus: 'failed', engineError: msg, deviceLost: msg });
        },
      });
      engine = new GpuEngine(gpu);
      // The trainer worker loads its script now (it takes a device of its own only when a run starts).
      getTrainerClient();
    }
    setEngine({ adapter: engine.gpu.report, engineStatus: 'checking' });
    const results = await runSelfCheck(engine, addCheck);
    const errors = engine.gpu.uncapturedErrors;
    const ok = results.every((r) => r.ok) && errors.length === 0;
    setEngine({ engineStatus: ok ? 'passed' : 'failed', engineError: errors.length ? errors.join('\n') : null });
  } catch (err) {
    setEngine({
      engineStatus: err instanceof NoAdapterError ? 'unavailable' : 'failed',
      engineError: err instanceof Error ? err.message : String(err),
    });
  }
}
