#!/usr/bin/env node
// The labeltune command: runs src/cli/main.ts under tsx (TypeScript) with the ?raw loader for WGSL files, then
// exits explicitly (a Dawn WebGPU instance would otherwise keep Node alive). On a machine without a GPU whose
// software Vulkan driver needs LD_LIBRARY_PATH (Chromium's SwiftShader), it first runs itself again with the
// variable set (src/gpu/vulkan-env.ts): the dynamic loader reads it only when a process starts.
import { register } from 'tsx/esm/api';
import '../scripts/raw-loader.mjs';

register();
const { reexecWithVulkanEnv } = await import('../src/gpu/vulkan-env.ts');
reexecWithVulkanEnv();
const { main } = await import('../src/cli/main.ts');
process.exit(await main(process.argv.slice(2)));
