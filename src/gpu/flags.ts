// WebGPU flag values as plain numbers (they are fixed by the spec). Design decision: modules use these instead
// of the GPUBufferUsage/GPUMapMode/GPUShaderStage globals, which in Node exist only after the webgpu package
// has been loaded, so importing a kernel module never depends on load order.
export const BufferUsage = {
  MAP_READ: 0x1,
  MAP_WRITE: 0x2,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
  QUERY_RESOLVE: 0x200,
} as const;
export const MapMode = { READ: 0x1, WRITE: 0x2 } as const;
export const ShaderStage = { COMPUTE: 0x4 } as const;
