// The engine: GPU tensors, kernel dispatch and command recording on top of one device. Design decision: every
// `run()` is *recorded* into one open command encoder and nothing reaches the GPU until `submit()` (or a
// readback, which submits first) — a whole training step (forward, backward, AdamW) is one command buffer.
// Each dispatch gets its own pooled uniform buffer, returned to the pool once the step is submitted.
import { BufferPool } from './buffer-pool';
import { BufferUsage, MapMode } from './flags';
import { type Gpu, isCpuAdapter } from './device';
import { type KernelSpec, PipelineCache } from './kernel';
import { packUniforms, type UniformField } from './uniforms';

const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** A float32 (or u32) array on the GPU with a logical shape; its buffer may be larger (pool buckets). */
export class GpuTensor {
  readonly size: number;
  private released = false;
  constructor(
    readonly engine: GpuEngine,
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly label: string,
  ) {
    this.size = shape.reduce((a, b) => a * b, 1);
  }
  get bytes(): number {
    return this.size * 4;
  }
  read(): Promise<Float32Array> {
    return this.engine.read(this);
  }
  readU32(): Promise<Uint32Array> {
    return this.engine.readRaw(this).then((b) => new Uint32Array(b));
  }
  write(data: ArrayLike<number> | Float32Array | Uint32Array | Int32Array): void {
    this.engine.write(this, data);
  }
  /** The same buffer under another shape with as many elements (a view: never released on its own). */
  view(shape: readonly number[], label = `${this.label}.view`): GpuTensor {
    const v = new GpuTensor(this.engine, this.buffer, shape, label);
    if (v.size !== this.size) throw new Error(`view of "${this.label}": shape [${shape.join(', ')}] has ${v.size} elements, the tensor has ${this.size}`);
    v.isView = true;
    return v;
  }
  private isView = false;

  release(): void {
    if (this.isView) throw new Error(`tensor "${this.label}" is a view: release the tensor it views instead`);
    if (this.released) throw new Error(`tensor "${this.label}" released twice`);
    this.released = true;
    this.engine.pool.release(this.buffer);
  }
  get isReleased(): boolean {
    return this.released;
  }
}

export interface Binding {
  buffer: GPUBuffer;
}

export class GpuEngine {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pendingUniforms: GPUBuffer[] = [];
  /** When set, the next compute pass opened records these timestamps (benchmarks). */
  nextPassTimestamps: GPUComputePassTimestampWrites | null = null;
  /** Dispatches recorded since the engine was created (for tests and benchmarks). */
  dispatchCount = 0;
  /** Command buffers submitted since the engine was created (a training step should add exactly one). */
  submitCount = 0;

  /** The adapter is a CPU driver (isCpuAdapter): kernels may pick tiles tuned for CPU drivers. */
  readonly cpuAdapter: boolean;

  constructor(readonly gpu: Gpu) {
    this.device = gpu.device;
    this.cpuAdapter = gpu.report ? isCpuAdapter(gpu.report) : false;
    this.pool = new BufferPool(this.device);
    this.pipelines = new PipelineCache(this.device);
  }

  // ---- tensors -------------------------------------------------------------------------------------------

  /** A new tensor; contents undefined unless `init` is given (use zeros() for zeros). */
  tensor(shape: readonly number[], label: string, init?: ArrayLike<number> | Float32Array | Uint32Array | Int32Array): GpuTensor {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new Error(`tensor "${label}": bad shape [${shape.join(', ')}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (size * 4 > limit) {
      const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
      throw new Error(
        `tensor "${label}" [${shape.join(', ')}] needs ${mib(size * 4)}, over this device's limit of ${mib(limit)} per storage binding ` +
          '(maxStorageBufferBindingSize): use a smaller batch size or a lower Tmax',
      );
    }
    const buf = this.pool.acquire(Math.max(4, size * 4), STORAGE_USAGE, label);
    const t = new GpuTensor(this, buf, shape, label);
    if (init) this.write(t, init);
    return t;
  }

  zeros(shape: readonly number[], label: string): GpuTensor {
    const t = this.tensor(shape, label);
    this.clear(t);
    return t;
  }

  /** Record a clear of the whole buffer to zero. */
  clear(t: GpuTensor): void {
    this.endPass();
    this.getEncoder().clearBuffer(t.buffer);
  }

  /** Record a copy between tensors (whole src unless `elements` is given). */
  copy(src: GpuTensor, dst: GpuTensor, elements = src.size): void {
    if (elements > dst.size || elements > src.size) throw new Error(`copy ${src.label} -> ${dst.label}: ${elements} elements do not fit`);
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src.buffer, 0, dst.buffer, 0, elements * 4);
  }

  /** Record a copy of `elements` values from src[srcOffset..] to dst[dstOffset..] (offsets in elements). */
  copyRange(src: GpuTensor, srcOffset: number, dst: GpuTensor, dstOffset: number, elements: number): void {
    for (const [what, v] of [['srcOffset', srcOffset], ['dstOffset', dstOffset], ['elements', elements]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`copyRange ${src.label} -> ${dst.label}: ${what} must be an integer >= 0, got ${v}`);
    }
    if (srcOffset + elements > src.size || dstOffset + elements > dst.size) {
      throw new Error(`copyRange ${src.label} -> ${dst.label}: [${srcOffset}, +${elements}) into [${dstOffset}, +${elements}) exceeds ${src.size} / ${dst.size} elements`);
    }
    if (elements === 0) return;
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src.buffer, srcOffset * 4, dst.buffer, dstOffset * 4, elements * 4);
  }

  /** Upload now (queue timeline: before any later submit). Accepts numbers, Float32Array, or 32-bit ints. */
  write(t: GpuTensor, data: ArrayLike<number> | Float32Array | Uint32Array | Int32Array): void {
    if (data.length !== t.size) throw new Error(`write to "${t.label}": got ${data.length} values for shape [${t.shape.join(', ')}]`);
    const src =
      data instanceof Float32Array || data instanceof Uint32Array || data instanceof Int32Array
        ? data
        : Float32Array.from(data as ArrayLike<number>);
    // Recorded work that reads t must see the old contents only if it was submitted before; flush keeps order.
    if (this.encoder) this.submit();
    this.device.queue.writeBuffer(t.buffer, 0, src.buffer, src.byteOffset, src.byteLength);
  }

  async readRaw(t: GpuTensor): Promise<ArrayBuffer> {
    const bytes = Math.max(4, t.size * 4);
    const staging = this.pool.acquire(bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST, `${t.label}.readback`);
    this.endPass();
    this.getEncoder().copyBufferToBuffer(t.buffer, 0, staging, 0, Math.ceil(bytes / 4) * 4);
    this.submit();
    await staging.mapAsync(MapMode.READ, 0, bytes);
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    this.pool.release(staging);
    return out;
  }

  async read(t: GpuTensor): Promise<Float32Array> {
    return new Float32Array(await this.readRaw(t));
  }

  // ---- kernels -------------------------------------------------------------------------------------------

  /**
   * Record one dispatch. `buffers` are the storage bindings in @binding order, skipping the uniform slot;
   * `uniforms` fills the binding whose kind is 'uniform' (at most one per kernel).
   */
  run(
    spec: KernelSpec,
    buffers: readonly (GpuTensor | GPUBuffer)[],
    uniforms: UniformField[] | ArrayBuffer | null,
    workgroups: readonly [number, number?, number?],
  ): void {
    const { pipeline, layout } = this.pipelines.get(spec);
    const entries: GPUBindGroupEntry[] = [];
    let bi = 0;
    spec.bindings.forEach((kind, binding) => {
      if (kind === 'uniform') {
        if (!uniforms) throw new Error(`kernel "${spec.name}": binding ${binding} is a uniform but none was given`);
        const data = uniforms instanceof ArrayBuffer ? uniforms : packUniforms(uniforms);
        const ub = this.pool.acquire(data.byteLength, BufferUsage.UNIFORM | BufferUsage.COPY_DST, `${spec.name}.uniforms`);
        this.device.queue.writeBuffer(ub, 0, data);
        this.pendingUniforms.push(ub);
        entries.push({ binding, resource: { buffer: ub, size: data.byteLength } });
      } else {
        const b = buffers[bi++];
        if (!b) throw new Error(`kernel "${spec.name}": missing buffer for binding ${binding}`);
        const buffer = b instanceof GpuTensor ? b.buffer : b;
        entries.push({ binding, resource: { buffer } });
      }
    });
    if (bi !== buffers.length) throw new Error(`kernel "${spec.name}": ${buffers.length} buffers given, ${bi} bound`);
    const [x, y = 1, z = 1] = workgroups;
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) throw new Error(`kernel "${spec.name}": dispatch (${x}, ${y}, ${z}) exceeds ${max} per dimension`);
    if (x === 0 || y === 0 || z === 0) return;
    const bindGroup = this.device.createBindGroup({ label: spec.name, layout, entries });
    const pass = this.getPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.dispatchCount++;
  }

  /** Submit everything recorded so far as one command buffer. */
  submit(): void {
    this.endPass();
    if (!this.encoder) return;
    const cb = this.encoder.finish();
    this.encoder = null;
    this.device.queue.submit([cb]);
    this.submitCount++;
    for (const u of this.pendingUniforms) this.pool.release(u);
    this.pendingUniforms = [];
  }

  /** Submit and wait until the GPU has finished all submitted work. */
  async sync(): Promise<void> {
    this.submit();
    await this.device.queue.onSubmittedWorkDone();
  }

  /** End the current compute pass (the next run() opens a new one). */
  endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  getEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'labeltune-step' });
    return this.encoder;
  }

  private getPass(): GPUComputePassEncoder {
    if (!this.pass) {
      const desc: GPUComputePassDescriptor = { label: 'labeltune-pass' };
      if (this.nextPassTimestamps) {
        desc.timestampWrites = this.nextPassTimestamps;
        this.nextPassTimestamps = null;
      }
      this.pass = this.getEncoder().beginComputePass(desc);
    }
    return this.pass;
  }

  destroy(): void {
    this.pass = null;
    this.encoder = null;
    this.pool.destroy();
  }
}

/** Push validation, out-of-memory and internal error scopes around fn; throw if any of them caught an error. */
export async function withErrorScopes<T>(device: GPUDevice, fn: () => Promise<T> | T): Promise<T> {
  device.pushErrorScope('internal');
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T;
  try {
    result = await fn();
  } finally {
    const errs = (await Promise.all([device.popErrorScope(), device.popErrorScope(), device.popErrorScope()])).filter(
      (e): e is GPUError => e !== null,
    );
    if (errs.length) throw new Error(`WebGPU error(s): ${errs.map((e) => e.message).join(' | ')}`);
  }
  return result;
}
