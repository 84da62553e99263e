// Two Node test tiers: unit (float64 references, finite-difference gradient checks; no GPU) and gpu (WGSL
// kernels against the references on a real WebGPU adapter via the `webgpu` package). The browser tier is
// scripts/e2e.mjs (Playwright + headless Chromium).
import { defineConfig } from 'vitest/config';
import { applyVulkanEnv } from './src/gpu/vulkan-env';

// The gpu tier's forks inherit this process's environment: on a machine without a GPU, the software Vulkan
// driver's VK_ICD_FILENAMES and LD_LIBRARY_PATH are set here, before any fork starts (the dynamic loader reads
// LD_LIBRARY_PATH only at process start).
applyVulkanEnv();

export default defineConfig({
  test: {
    projects: [
      // Timeouts are hang guards, never speed checks: the float64 model-sized tests (reference encoder, ONNX reader
      // on USE-lite) share the 2 CPU cores of a CI runner with every other unit file, so 5 s is not enough.
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node', testTimeout: 120_000, hookTimeout: 120_000 } },
      {
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          environment: 'node',
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
