// The benchmark suite: `npm run bench [-- --quick] [-- --only NAME,...]`.
// Every figure is measured side by side with its reference in one run,
// contenders alternated round by round; it prints one table and writes it,
// with the machine it ran on, to bench/results.json (a --quick or --only run
// to bench/results-partial.json).
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { runBookkeeping } from "./bookkeeping.js";
import { runCodegen } from "./codegen.js";
import { runE2e } from "./e2e.js";
import type { Figure } from "./figures.js";
import { runMemory } from "./memory.js";
import { runScrape } from "./scrape.js";
import { table } from "./table.js";

const quick = process.argv.includes("--quick");
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg < 0 ? undefined : new Set(process.argv[onlyArg + 1]?.split(","));
const options = { rounds: quick ? 3 : 7, quick };

const measures: Record<string, (o: typeof options) => Promise<Figure[]>> = {
  bookkeeping: runBookkeeping,
  e2e: runE2e,
  scrape: runScrape,
  memory: runMemory,
  codegen: runCodegen,
};

const figures: Figure[] = [];
const started = Date.now();
for (const [name, run] of Object.entries(measures)) {
  if (only && !only.has(name)) continue;
  process.stderr.write(`bench: ${name}...\n`);
  figures.push(...(await run(options)));
}

console.log(table(figures));
const missed = figures.filter((f) => f.target && !f.target.met);
console.log(
  missed.length === 0 ? "\nevery target met" : `\ntargets missed: ${missed.length} (see README, Performance)`,
);
// Only a full run replaces results.json, the figures the README quotes.
const out = new URL(quick || only ? "./results-partial.json" : "./results.json", import.meta.url);
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
      options,
      seconds: Math.round((Date.now() - started) / 1000),
      figures,
    },
    null,
    2,
  )}\n`,
);
console.log(`written to ${out.pathname}`);
