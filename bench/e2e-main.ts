// Runs measure 2 (end to end over loopback) alone and prints its figures.
//
//   tsx bench/e2e-main.ts [--quick] [--rounds N] [--only "baseline|ours, both"] [--phases unary,list,bidi] [--cpu-prof DIR]
//
// --only takes contender names separated by "|"; --phases, phase names
// separated by ","; --cpu-prof runs every child process under
// `node --cpu-prof`, writing .cpuprofile files into DIR (read them with
// `tsx bench/e2e-profile.ts DIR`).
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { runE2e } from "./e2e.js";
import { type Phase, phases } from "./e2e-protocol.js";
import type { Figure } from "./figures.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rounds: { type: "string", default: "7" },
    only: { type: "string" },
    phases: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1)
  throw new Error(`--rounds must be a positive integer, not ${values.rounds}`);
const only = values.only
  ?.split("|")
  .map((s) => s.trim())
  .filter(Boolean);
const runPhases = values.phases?.split(",").map((s) => s.trim());
for (const p of runPhases ?? []) {
  if (!(phases as readonly string[]).includes(p))
    throw new Error(`--phases: unknown phase ${p}; phases are ${phases.join(", ")}`);
}
const cpuProfDir = values["cpu-prof"] === undefined ? undefined : resolve(values["cpu-prof"]);
if (cpuProfDir !== undefined) mkdirSync(cpuProfDir, { recursive: true });

const started = performance.now();
const figures = await runE2e({
  rounds,
  quick: values.quick,
  ...(only ? { only } : {}),
  ...(runPhases ? { phases: runPhases as Phase[] } : {}),
  ...(cpuProfDir ? { cpuProfDir } : {}),
});
const seconds = (performance.now() - started) / 1000;

/** fmt shows a number with about four significant digits. */
function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const digits = Math.abs(n) >= 1000 ? 0 : Math.abs(n) >= 100 ? 1 : Math.abs(n) >= 10 ? 2 : 3;
  return n.toFixed(digits);
}

console.table(
  figures.map((f: Figure) => ({
    measure: f.measure,
    contender: f.contender,
    unit: f.unit,
    median: fmt(f.median),
    min: fmt(f.min),
    max: fmt(f.max),
    ratio: f.ratio === undefined ? "" : f.ratio.toFixed(3),
    vs: f.reference ?? "",
    target: f.target ? `${f.target.text}: ${f.target.met ? "met" : "NOT met"}` : "",
  })),
);
console.log(
  `e2e: ${values.quick ? "quick, 1 round" : `${rounds} rounds`}, ${seconds.toFixed(1)} s` +
    (cpuProfDir ? `; CPU profiles in ${cpuProfDir}` : ""),
);
