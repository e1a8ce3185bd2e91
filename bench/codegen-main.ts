// Runs the codegen measure alone: `tsx bench/codegen-main.ts [--quick] [--rounds N]`.
import { runAlone } from "./alone.js";
import { runCodegen } from "./codegen.js";

await runAlone("codegen", runCodegen);
