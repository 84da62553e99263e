// Plain-text summaries of store state for the status strip and the Model panel (no React, no store access):
// what the GPU is doing, which execution provider runs the encoder and why, how much the feature cache holds,
// and what the studio is busy with. Design decision: pure functions of the state they are given, so the wording
// is decided in one place and components only place it.
import type { AdapterReport } from '../../gpu/device';
import type { EpPolicy, EncoderInfo } from '../../encoder/types';
import type { LoadedReport } from '../../encoder/load-report';
import type { EngineStatus } from '../../store/engine-slice';

export type Tone = 'ok' | 'warn' | 'bad' | 'busy' | 'idle';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}

/** The adapter in a few words: "SwiftShader Device (Subzero)" or vendor · architecture. */
export function adapterName(a: AdapterReport): string {
  return a.description || [a.vendor, a.architecture].filter(Boolean).join(' · ') || 'unnamed adapter';
}

export interface GpuSummary {
  tone: Tone;
  label: string;
  detail: string;
}

export function gpuSummary(status: EngineStatus, adapter: AdapterReport | null, deviceLost: string | null, error: string | null, checks: { done: number; failed: number }): GpuSummary {
  if (deviceLost) return { tone: 'bad', label: 'GPU device lost', detail: deviceLost };
  const kind = adapter ? (adapter.isFallbackAdapter ? 'fallback (CPU)' : 'hardware') : '';
  const name = adapter ? `${adapterName(adapter)} · ${kind}` : '';
  switch (status) {
    case 'idle':
    case 'starting':
      return { tone: 'busy', label: 'Starting WebGPU', detail: 'requesting an adapter' };
    case 'checking':
      return { tone: 'busy', label: name || 'WebGPU', detail: `checking kernels (${checks.done})` };
    case 'passed':
      return { tone: adapter?.isFallbackAdapter ? 'warn' : 'ok', label: name, detail: `kernels ✓ ${checks.done}/${checks.done}` };
    case 'unavailable':
      return { tone: 'bad', label: 'No WebGPU', detail: error ?? 'this browser exposes no WebGPU adapter' };
    case 'failed':
      return { tone: 'bad', label: name || 'WebGPU failed', detail: error ?? `${checks.failed} kernel checks failed` };
  }
}

/** Why the encoder runs on the EP it runs on. */
export function epReason(policy: EpPolicy, report: Omit<LoadedReport, 'info'> | null, info: EncoderInfo): string {
  if (policy !== 'auto') return `${policy === 'webgpu' ? 'WebGPU' : 'wasm'} was chosen in the Model step`;
  const a = report?.adapter;
  if (!a) return 'auto: the encoder worker sees no WebGPU adapter, so it runs on wasm';
  if (a.isFallbackAdapter) return `auto: the WebGPU adapter is a CPU fallback (${a.description}), where wasm is much faster`;
  return info.ep === 'webgpu' ? `auto: a hardware WebGPU adapter (${a.description})` : 'auto';
}

/** The same reason in a few words, for the status strip. */
export function epReasonShort(policy: EpPolicy, report: Omit<LoadedReport, 'info'> | null): string {
  if (policy !== 'auto') return 'chosen by you';
  const a = report?.adapter;
  if (!a) return 'auto: no WebGPU in the worker';
  return a.isFallbackAdapter ? 'auto: CPU fallback adapter' : 'auto: hardware adapter';
}

export function epLabel(ep: string): string {
  return ep === 'webgpu' ? 'WebGPU' : ep === 'wasm' ? 'wasm' : ep;
}
