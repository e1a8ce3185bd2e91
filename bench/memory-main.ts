// Runs the memory measure alone: `tsx bench/memory-main.ts [--quick] [--rounds N]`.
import { runAlone } from "./alone.js";
import { runMemory } from "./memory.js";

await runAlone("memory", runMemory);
