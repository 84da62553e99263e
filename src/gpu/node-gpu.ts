// Node-only: a WebGPU implementation from the `webgpu` package (Dawn). Imported lazily by device.ts, never
// bundled for the browser. Design decision: on machines without a GPU the Vulkan driver is picked *before* Dawn
// loads (the Vulkan loader reads VK_ICD_FILENAMES once): see ./vulkan-env.ts.
import { vulkanEnv } from './vulkan-env';

export { chooseSoftwareIcd } from './vulkan-env';

export async function nodeGpu(): Promise<{ gpu: GPU; release: () => void }> {
  // The driver choice (./vulkan-env.ts); LD_LIBRARY_PATH set here reaches only child processes: entry points that
  // need it re-execute themselves first (reexecWithVulkanEnv).
  const add = vulkanEnv();
  if (add) Object.assign(process.env, add);
  const mod = (await import(/* @vite-ignore */ 'webgpu')) as unknown as {
    create: (flags: string[]) => GPU;
    globals: Record<string, unknown>;
  };
  // GPUBufferUsage, GPUMapMode, ... as globals, as in a browser.
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  let gpu: GPU | null = mod.create([]);
  return {
    gpu,
    release: () => {
      gpu = null; // Dawn's instance keeps Node alive until it is collected.
    },
  };
}
