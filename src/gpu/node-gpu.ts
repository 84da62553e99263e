// Node-only: a WebGPU implementation from the `webgpu` package (Dawn). Imported lazily by device.ts, never
// bundled for the browser. Design decision: on machines without a GPU we pick the Vulkan driver *before* Dawn
// loads (the Vulkan loader reads VK_ICD_FILENAMES once): Mesa lavapipe when installed (about 10x faster),
// else Chromium's SwiftShader; an explicit VK_ICD_FILENAMES always wins.
import { existsSync, readFileSync } from 'node:fs';

const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
const SWIFTSHADER_DIR = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${SWIFTSHADER_DIR}/vk_swiftshader_icd.json`;

/** Which software Vulkan driver to use when the caller did not choose one. Exported for tests and logs. */
export function chooseSoftwareIcd(): { icd: string; libDir?: string } | null {
  const forced = process.env.LABELTUNE_VK_DRIVER; // 'lavapipe' | 'swiftshader' | 'system'
  if (forced === 'system') return null;
  if (forced !== 'swiftshader' && existsSync(LAVAPIPE_ICD) && lavapipeIsRecent()) return { icd: LAVAPIPE_ICD };
  if (forced !== 'lavapipe' && existsSync(SWIFTSHADER_ICD)) return { icd: SWIFTSHADER_ICD, libDir: SWIFTSHADER_DIR };
  return null;
}

/** Dawn rejects Debian-stable Mesa 22 lavapipe; 25+ (bookworm-backports) works. */
function lavapipeIsRecent(): boolean {
  try {
    const lib = JSON.parse(readFileSync(LAVAPIPE_ICD, 'utf8'))?.ICD?.library_path as string | undefined;
    if (!lib) return false;
    const status = readFileSync('/var/lib/dpkg/status', 'utf8');
    const m = /Package: mesa-vulkan-drivers\n(?:[^\n]+\n)*?Version: (\d+)\./.exec(status);
    return !m || Number(m[1]) >= 24;
  } catch {
    return true;
  }
}

export async function nodeGpu(): Promise<{ gpu: GPU; release: () => void }> {
  if (!process.env.VK_ICD_FILENAMES && process.platform === 'linux') {
    const choice = chooseSoftwareIcd();
    const hasRealGpu = existsSync('/dev/dri/renderD128') || existsSync('/dev/nvidia0');
    if (choice && !hasRealGpu) {
      process.env.VK_ICD_FILENAMES = choice.icd;
      if (choice.libDir) {
        process.env.LD_LIBRARY_PATH = [choice.libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
      }
    }
  }
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
