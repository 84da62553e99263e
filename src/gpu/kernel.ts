// Kernels described as data, and the pipeline cache. Design decision (as in onnxruntime-web's WebGPU EP): a
// kernel is a plain object — name, WGSL source, entry point, binding kinds, build-time `override` constants —
// and pipelines are cached by exactly those build-time facts. Shapes never enter the cache key: they travel in
// a uniform buffer, so one pipeline serves every shape.

/** How a binding is used; binding i of @group(0) has kind bindings[i]. */
import { ShaderStage } from './flags';

export type BindingKind = 'read' | 'rw' | 'uniform';

export interface KernelSpec {
  /** Unique, human-readable: also the GPU object label ("matmul.forward"). */
  name: string;
  /** Full WGSL module text (imported from a .wgsl file with ?raw). */
  wgsl: string;
  entryPoint: string;
  bindings: readonly BindingKind[];
  /** Pipeline-overridable constants, e.g. workgroup sizes. Part of the cache key. */
  overrides?: Readonly<Record<string, number>>;
}

export function pipelineKey(spec: KernelSpec): string {
  const o = spec.overrides
    ? Object.keys(spec.overrides)
        .sort()
        .map((k) => `${k}=${spec.overrides![k]}`)
        .join(',')
    : '';
  return `${spec.name}|${spec.entryPoint}|${spec.bindings.join(',')}|${o}`;
}

export class PipelineCache {
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout; wgsl: string }>();
  /** Number of pipelines compiled so far (tests check that shapes do not add pipelines). */
  compiled = 0;

  constructor(private device: GPUDevice) {}

  get(spec: KernelSpec): { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout } {
    const key = pipelineKey(spec);
    const hit = this.pipelines.get(key);
    if (hit) {
      if (hit.wgsl !== spec.wgsl) throw new Error(`kernel "${spec.name}": two different WGSL sources share one name`);
      return hit;
    }
    let module = this.modules.get(spec.wgsl);
    if (!module) {
      module = this.device.createShaderModule({ code: spec.wgsl, label: spec.name.split('.')[0] });
      this.modules.set(spec.wgsl, module);
    }
    const layout = this.device.createBindGroupLayout({
      label: spec.name,
      entries: spec.bindings.map((kind, binding) => ({
        binding,
        visibility: ShaderStage.COMPUTE,
        buffer: { type: kind === 'uniform' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage' },
      })),
    });
    const pipeline = this.device.createComputePipeline({
      label: spec.name,
      layout: this.device.createPipelineLayout({ label: spec.name, bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: spec.entryPoint, constants: spec.overrides ? { ...spec.overrides } : undefined },
    });
    this.compiled++;
    const entry = { pipeline, layout, wgsl: spec.wgsl };
    this.pipelines.set(key, entry);
    return entry;
  }
}

/** Number of workgroups to cover n items with groups of size wg. */
export const groups = (n: number, wg: number): number => Math.max(1, Math.ceil(n / wg));
