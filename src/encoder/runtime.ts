// Loads an onnxruntime module and decides which execution provider (EP) runs the encoder.
// 'web' = onnxruntime-web (the browser, and Node with its wasm EP); 'node' = onnxruntime-node (the CLI, cpu EP).
// Design decision: never a silent fallback. A session is created with exactly one EP, WebGPU's presence is
// checked before creation and onnxruntime's WebGPU device after it; anything else is an error that says
// which EP was asked for, what was missing, and which policy to pick instead.
import type * as OrtCommon from 'onnxruntime-common';
import type { EpPolicy, ExecutionProvider } from './types';

/** The part of an onnxruntime module the encoder uses (onnxruntime-web and -node share it). */
export type OrtModule = Pick<typeof OrtCommon, 'InferenceSession' | 'Tensor' | 'env'>;
export type OrtTensor = OrtCommon.Tensor;
export type RuntimeKind = 'web' | 'node';

export interface OrtRuntime {
  kind: RuntimeKind;
  ort: OrtModule;
}

export interface RuntimeOptions {
  /** onnxruntime-web only: wasm threads (env.wasm.numThreads; 1 = no worker threads). Default: onnxruntime's. */
  wasmThreads?: number;
  /** onnxruntime-web only: where its .wasm/.mjs files are served from (env.wasm.wasmPaths). */
  wasmPaths?: string;
}

/** Minimal view of a WebGPU adapter: pass `{ isFallbackAdapter: adapter.info.isFallbackAdapter }`. */
export interface AdapterHint {
  isFallbackAdapter: boolean;
}

// A variable specifier keeps bundlers (Vite) from pulling the Node-only package into browser builds.
const NODE_PACKAGE = 'onnxruntime-node';

/** Import onnxruntime-web or onnxruntime-node and apply the wasm options (web only). */
export async function loadRuntime(kind: RuntimeKind, opts: RuntimeOptions = {}): Promise<OrtRuntime> {
  if (kind === 'node') {
    if (typeof process === 'undefined' || !process.versions?.node) {
      throw new Error("runtime 'node' (onnxruntime-node) only runs in Node; use runtime 'web' in the browser");
    }
    const ort = (await import(/* @vite-ignore */ NODE_PACKAGE)) as OrtModule;
    return { kind, ort };
  }
  if (kind !== 'web') throw new Error(`unknown onnxruntime kind ${JSON.stringify(kind)}; expected 'web' or 'node'`);
  const ort = (await import('onnxruntime-web')) as OrtModule;
  if (opts.wasmThreads !== undefined) {
    if (!Number.isInteger(opts.wasmThreads) || opts.wasmThreads < 1) {
      throw new Error(`wasmThreads must be a positive integer, got ${opts.wasmThreads}`);
    }
    ort.env.wasm.numThreads = opts.wasmThreads;
  }
  if (opts.wasmPaths !== undefined) ort.env.wasm.wasmPaths = opts.wasmPaths;
  ort.env.logLevel = 'error'; // see sessionOptionsFor
  return { kind, ort };
}

/**
 * The EP a policy means on a runtime. Node (onnxruntime-node): 'cpu' for "auto"; an explicit "wasm" or
 * "webgpu" is an error there (those are onnxruntime-web's EPs: use runtime 'web'). Web: "auto" is wasm when
 * there is no adapter or it is a fallback (CPU) adapter — onnxruntime-web's WebGPU EP is ~50x slower than wasm
 * on those — and webgpu on a real GPU; "wasm"/"webgpu" are taken as asked.
 */
export function resolveEp(policy: EpPolicy, kind: RuntimeKind, adapter?: AdapterHint | null): ExecutionProvider {
  if (policy !== 'auto' && policy !== 'wasm' && policy !== 'webgpu') {
    throw new Error(`unknown EP policy ${JSON.stringify(policy)}; expected "auto", "wasm" or "webgpu"`);
  }
  if (kind === 'node') {
    if (policy !== 'auto') {
      throw new Error(`EP policy "${policy}" needs onnxruntime-web (runtime 'web'); onnxruntime-node runs the cpu EP (policy "auto")`);
    }
    return 'cpu';
  }
  if (policy !== 'auto') return policy;
  return adapter && !adapter.isFallbackAdapter ? 'webgpu' : 'wasm';
}

/** Session options that allow exactly one EP (onnxruntime would otherwise fall back silently). */
export function sessionOptionsFor(ep: ExecutionProvider): OrtCommon.InferenceSession.SessionOptions {
  // logSeverityLevel 3 (error): onnxruntime otherwise prints node-placement advice as warnings through
  // console.error; real failures still arrive as exceptions.
  return { executionProviders: [ep], graphOptimizationLevel: 'all', logSeverityLevel: 3 };
}

/** Throw unless `ep` can run on this runtime, before a session is created. */
export function checkEpBeforeCreate(rt: OrtRuntime, ep: ExecutionProvider): void {
  const allowed: ExecutionProvider[] = rt.kind === 'node' ? ['cpu'] : ['wasm', 'webgpu'];
  if (!allowed.includes(ep)) {
    throw new Error(`EP "${ep}" does not belong to runtime '${rt.kind}' (it runs ${allowed.join(' or ')})`);
  }
  if (ep === 'webgpu') {
    const gpu = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { gpu?: unknown }).gpu;
    if (!gpu) {
      throw new Error('the WebGPU EP was requested but WebGPU is missing here (no navigator.gpu): ' +
        'use EP policy "wasm" or "auto", or a browser with WebGPU enabled');
    }
  }
}

/**
 * After a session was created with sessionOptionsFor(ep): confirm the EP really runs and describe it.
 * For WebGPU onnxruntime-web publishes its device on env.webgpu once its backend is up; without it the
 * session is not on WebGPU.
 */
export function assertEpAfterCreate(rt: OrtRuntime, ep: ExecutionProvider): string {
  if (ep !== 'webgpu') return rt.kind === 'node' ? 'onnxruntime-node cpu' : 'onnxruntime-web wasm';
  const wg = rt.ort.env.webgpu as { device?: unknown; adapter?: { info?: { vendor?: string; architecture?: string; isFallbackAdapter?: boolean } } };
  if (!wg?.device) {
    throw new Error('the WebGPU EP was requested but onnxruntime-web created no WebGPU device: ' +
      'the session would not run on WebGPU; use EP policy "wasm"');
  }
  const info = wg.adapter?.info;
  const what = info ? [info.vendor, info.architecture].filter(Boolean).join(' ') : '';
  return `onnxruntime-web webgpu${what ? ` (${what}${info?.isFallbackAdapter ? ', fallback adapter' : ''})` : ''}`;
}
