// Node-only: which software Vulkan driver Dawn (the `webgpu` package) gets on a machine without a GPU, and the
// environment that selects it: Mesa lavapipe when a recent one is installed (about 10x faster), else Chromium's
// SwiftShader, which brings its own Vulkan loader (/usr/lib/chromium/libvulkan.so.1). Design decision: the
// Vulkan loader reads VK_ICD_FILENAMES when Dawn creates its instance, so setting it in-process works, but the
// dynamic loader reads LD_LIBRARY_PATH only when a process starts: when SwiftShader's loader must be found that
// way, reexecWithVulkanEnv() runs the same command again with the variable set (entry points call it first:
// bin/labeltune.mjs, scripts/vulkan-env.mjs for the benchmarks, vitest.config.ts for the gpu tier's forks).
// An explicit VK_ICD_FILENAMES always wins; LABELTUNE_VK_DRIVER=lavapipe|swiftshader|system forces a choice.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { constants } from 'node:os';

const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
const SWIFTSHADER_DIR = '/usr/lib/chromium';
const SWIFTSHADER_ICD = `${SWIFTSHADER_DIR}/vk_swiftshader_icd.json`;

type Env = Record<string, string | undefined>;

/** Which software Vulkan driver to use when the caller did not choose one. Exported for tests and logs. */
export function chooseSoftwareIcd(env: Env = process.env): { icd: string; libDir?: string } | null {
  const forced = env.LABELTUNE_VK_DRIVER; // 'lavapipe' | 'swiftshader' | 'system'
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

/**
 * The variables to set so Dawn finds a software driver, or null when nothing should change (not Linux, the
 * caller chose VK_ICD_FILENAMES, a real GPU is present, or no software driver is installed). LD_LIBRARY_PATH is
 * only included when it must change.
 */
export function vulkanEnv(env: Env = process.env): { VK_ICD_FILENAMES: string; LD_LIBRARY_PATH?: string } | null {
  if (process.platform !== 'linux' || env.VK_ICD_FILENAMES) return null;
  if (existsSync('/dev/dri/renderD128') || existsSync('/dev/nvidia0')) return null;
  const choice = chooseSoftwareIcd(env);
  if (!choice) return null;
  const paths = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  if (!choice.libDir || paths.includes(choice.libDir)) return { VK_ICD_FILENAMES: choice.icd };
  return { VK_ICD_FILENAMES: choice.icd, LD_LIBRARY_PATH: [choice.libDir, ...paths].join(':') };
}

/** Set the variables in `env` (a process that will start the GPU work in children, e.g. vitest before it forks). */
export function applyVulkanEnv(env: Env = process.env): void {
  const add = vulkanEnv(env);
  if (add) Object.assign(env, add);
}

/**
 * Make this process's Dawn find its driver: VK_ICD_FILENAMES is set in place; when LD_LIBRARY_PATH must change,
 * run this same command again (same node flags, same arguments, inherited stdio) with both set, and exit with its
 * status. A second run never re-executes again (LABELTUNE_VK_REEXEC).
 */
export function reexecWithVulkanEnv(): void {
  const add = vulkanEnv();
  if (!add) return;
  if (!add.LD_LIBRARY_PATH || process.env.LABELTUNE_VK_REEXEC) {
    process.env.VK_ICD_FILENAMES = add.VK_ICD_FILENAMES;
    return;
  }
  const r = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, ...add, LABELTUNE_VK_REEXEC: '1' },
  });
  if (r.error) throw new Error(`could not restart with LD_LIBRARY_PATH=${add.LD_LIBRARY_PATH}: ${r.error.message}`);
  process.exit(r.status ?? 128 + (r.signal ? (constants.signals[r.signal] ?? 0) : 1));
}
