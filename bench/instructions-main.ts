// `npm run bench:instructions`: the instructions measure alone (bench/instructions.ts),
// printed as a table and written to bench/instructions.json.
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { runInstructions } from "./instructions.js";
import { table } from "./table.js";

const quick = process.argv.includes("--quick");
const figures = await runInstructions({ quick });
console.log(table(figures));
const file = new URL(quick ? "./instructions-partial.json" : "./instructions.json", import.meta.url);
writeFileSync(
  file,
  `${JSON.stringify({ machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version }, quick, figures }, null, 2)}\n`,
);
console.log(`written to ${file.pathname}`);
