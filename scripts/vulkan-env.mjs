// `tsx --import ./scripts/vulkan-env.mjs ...` (the benchmarks, `npm run results`): before anything loads Dawn,
// give this process the software Vulkan driver's environment, re-running the command with LD_LIBRARY_PATH set
// when the driver needs it (src/gpu/vulkan-env.ts). Needs tsx's loader (it imports a .ts file).
import { reexecWithVulkanEnv } from '../src/gpu/vulkan-env.ts';

reexecWithVulkanEnv();
