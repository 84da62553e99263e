// The one owner of the WebGPU adapter and device, in the browser (navigator.gpu) and in Node (the `webgpu`
// package, Dawn). Design decision: nothing else in the code base calls requestAdapter/requestDevice; everything
// receives a `Gpu` from here, which also turns "no adapter", "device lost" and uncaptured errors into visible,
// specific messages instead of silent failures.

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  /** "browser" (navigator.gpu) or "node" (the webgpu package). */
  host: 'browser' | 'node';
  features: string[];
  limits: Record<string, number>;
}

export interface Gpu {
  device: GPUDevice;
  adapter: GPUAdapter;
  report: AdapterReport;
  /** True when timestamp queries were enabled on the device. */
  timestamps: boolean;
  /** Resolves when the device is lost (destroyed or crashed), with the reason. */
  lost: Promise<GPUDeviceLostInfo>;
  /** Errors nobody captured with an error scope, newest last. Tests assert it stays empty. */
  uncapturedErrors: string[];
  destroy(): void;
}

export class NoAdapterError extends Error {
  constructor(detail: string) {
    super(
      `No WebGPU adapter: ${detail}. In a browser use a recent Chrome/Edge (or Chromium with ` +
        `--enable-unsafe-webgpu); in Node install a Vulkan driver (Mesa lavapipe >= 25, or set ` +
        `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json and LD_LIBRARY_PATH=/usr/lib/chromium).`,
    );
    this.name = 'NoAdapterError';
  }
}

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for timestamp-query when the adapter has it (benchmarks). */
  timestamps?: boolean;
  /** Called once if the device is lost for any reason other than destroy(). */
  onLost?: (message: string) => void;
  /** Called for every uncaptured validation/out-of-memory/internal error. */
  onError?: (message: string) => void;
}

const LIMITS_WANTED = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
  'maxUniformBufferBindingSize',
] as const;

/** Find navigator.gpu in a browser/worker, or create a Dawn instance in Node. */
async function findGpuApi(): Promise<{ gpu: GPU; host: 'browser' | 'node'; release?: () => void }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, host: 'browser' };
  const isNode = typeof process !== 'undefined' && !!process.versions?.node;
  if (!isNode) throw new NoAdapterError('this browser has no navigator.gpu (WebGPU is not available or is disabled)');
  const { nodeGpu } = await import('./node-gpu');
  return { ...(await nodeGpu()), host: 'node' };
}

/**
 * What the adapter is, without a device: for callers that only choose by it (the encoder worker picks its
 * onnxruntime EP: wasm on a fallback adapter, WebGPU on a real GPU). Null when there is no adapter.
 */
export async function probeAdapter(): Promise<{ isFallbackAdapter: boolean; description: string } | null> {
  let api: Awaited<ReturnType<typeof findGpuApi>>;
  try {
    api = await findGpuApi();
  } catch {
    return null;
  }
  try {
    const adapter = await api.gpu.requestAdapter();
    if (!adapter) return null;
    const info = adapter.info ?? ({} as GPUAdapterInfo);
    const isFallbackAdapter =
      (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
    const description = [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' / ') || 'unknown adapter';
    return { isFallbackAdapter, description };
  } finally {
    api.release?.();
  }
}

export async function acquireGpu(options: AcquireOptions = {}): Promise<Gpu> {
  const api = await findGpuApi();
  const adapter = await api.gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new NoAdapterError('requestAdapter() returned null');

  const wantTimestamps = !!options.timestamps && adapter.features.has('timestamp-query');
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS_WANTED) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  const device = await adapter.requestDevice({
    label: 'labeltune-device',
    requiredFeatures: wantTimestamps ? ['timestamp-query'] : [],
    requiredLimits,
  });

  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const limits: Record<string, number> = {};
  for (const name of LIMITS_WANTED) limits[name] = (device.limits as unknown as Record<string, number>)[name];
  const report: AdapterReport = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter:
      (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
      false,
    host: api.host,
    features: [...adapter.features].sort(),
    limits,
  };

  const uncapturedErrors: string[] = [];
  device.addEventListener('uncapturederror', (ev) => {
    const msg = `WebGPU ${(ev as GPUUncapturedErrorEvent).error.constructor?.name ?? 'error'}: ${(ev as GPUUncapturedErrorEvent).error.message}`;
    uncapturedErrors.push(msg);
    if (options.onError) options.onError(msg);
    else console.error(msg);
  });
  let destroyed = false;
  const lost = device.lost.then((lostInfo) => {
    if (!destroyed) {
      const msg = `WebGPU device lost (${lostInfo.reason}): ${lostInfo.message}`;
      if (options.onLost) options.onLost(msg);
      else console.error(msg);
    }
    return lostInfo;
  });

  return {
    device,
    adapter,
    report,
    timestamps: wantTimestamps,
    lost,
    uncapturedErrors,
    destroy() {
      destroyed = true;
      device.destroy();
      api.release?.();
    },
  };
}

/**
 * Whether the adapter is a CPU driver (SwiftShader, lavapipe/llvmpipe, or one that says it is a fallback): kernels
 * tuned for CPU drivers (bigger register tiles) and "a GPU runs this far faster" notes key off this.
 */
export function isCpuAdapter(r: Pick<AdapterReport, 'isFallbackAdapter' | 'vendor' | 'architecture' | 'device' | 'description'>): boolean {
  return r.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|software/i.test([r.vendor, r.architecture, r.device, r.description].join(' '));
}

/** One line for logs and benchmark JSON: "lavapipe (llvmpipe, fallback=false, node)". */
export function describeAdapter(r: AdapterReport): string {
  const name = [r.vendor, r.architecture, r.device, r.description].filter(Boolean).join(' / ') || 'unknown adapter';
  return `${name} (fallback=${r.isFallbackAdapter}, ${r.host})`;
}
