// The engine slice of the store: which adapter the studio runs on and whether the kernels check out on it.
// Design decision: plain data only (no GPU objects) so the slice can be serialised and shown as is.
import type { StateCreator } from 'zustand';
import type { AdapterReport } from '../gpu/device';
import type { CheckResult } from '../diagnostics/self-check';

export type EngineStatus = 'idle' | 'starting' | 'checking' | 'passed' | 'failed' | 'unavailable';

export interface EngineSlice {
  engineStatus: EngineStatus;
  adapter: AdapterReport | null;
  checks: CheckResult[];
  engineError: string | null;
  /** The GPU device was lost (driver reset, another tab, a crash): the message the browser gave. Null while fine. */
  deviceLost: string | null;
  setEngine(patch: Partial<Pick<EngineSlice, 'engineStatus' | 'adapter' | 'checks' | 'engineError' | 'deviceLost'>>): void;
  addCheck(r: CheckResult): void;
}

export const createEngineSlice: StateCreator<EngineSlice, [], [], EngineSlice> = (set) => ({
  engineStatus: 'idle',
  adapter: null,
  checks: [],
  engineError: null,
  deviceLost: null,
  setEngine: (patch) => set(patch),
  addCheck: (r) => set((s) => ({ checks: [...s.checks, r] })),
});
