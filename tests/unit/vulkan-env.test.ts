// The software Vulkan driver's environment for Node (src/gpu/vulkan-env.ts): what changes, and when the process
// must run again because LD_LIBRARY_PATH has to change (the dynamic loader reads it only at process start).
// Checked on this machine's files: it needs Chromium's SwiftShader (/usr/lib/chromium), which the test tiers use.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chooseSoftwareIcd, vulkanEnv } from '../../src/gpu/vulkan-env';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const realGpu = existsSync('/dev/dri/renderD128') || existsSync('/dev/nvidia0');

describe('vulkanEnv', () => {
  it('has Chromium SwiftShader to fall back on here', () => {
    expect(existsSync(SWIFTSHADER)).toBe(true);
    expect(chooseSoftwareIcd({ LABELTUNE_VK_DRIVER: 'swiftshader' })).toEqual({ icd: SWIFTSHADER, libDir: '/usr/lib/chromium' });
    expect(chooseSoftwareIcd({ LABELTUNE_VK_DRIVER: 'system' })).toBeNull();
  });

  it.runIf(!realGpu)('asks for Chromium’s loader on LD_LIBRARY_PATH with SwiftShader, and only when it is missing', () => {
    expect(vulkanEnv({ LABELTUNE_VK_DRIVER: 'swiftshader' })).toEqual({ VK_ICD_FILENAMES: SWIFTSHADER, LD_LIBRARY_PATH: '/usr/lib/chromium' });
    expect(vulkanEnv({ LABELTUNE_VK_DRIVER: 'swiftshader', LD_LIBRARY_PATH: '/opt/x' })).toEqual({ VK_ICD_FILENAMES: SWIFTSHADER, LD_LIBRARY_PATH: '/usr/lib/chromium:/opt/x' });
    // Already there (a re-executed process, or the user's launcher): nothing to restart for.
    expect(vulkanEnv({ LABELTUNE_VK_DRIVER: 'swiftshader', LD_LIBRARY_PATH: '/opt/x:/usr/lib/chromium' })).toEqual({ VK_ICD_FILENAMES: SWIFTSHADER });
  });

  it('leaves a driver the caller chose alone', () => {
    expect(vulkanEnv({ VK_ICD_FILENAMES: '/somewhere/icd.json', LABELTUNE_VK_DRIVER: 'swiftshader' })).toBeNull();
    expect(vulkanEnv({ LABELTUNE_VK_DRIVER: 'system' })).toBeNull();
  });
});
