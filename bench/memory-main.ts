// Runs the memory measure alone: `tsx bench/memory-main.ts [--quick] [--rounds N]`.
import type { Figure } from "./figures.js";
import { runMemory } from "./memory.js";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const roundsAt = args.indexOf("--rounds");
const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 1 : 5;

const t0 = performance.now();
const figures = await runMemory({ rounds, quick });
console.table(figures.map(memoryRow));
console.log(`memory: ${rounds} round(s)${quick ? ", quick" : ""}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);

function memoryRow(f: Figure) {
  const n = (x: number) => (Number.isInteger(x) ? x : Number(x.toPrecision(4)));
  return {
    measure: f.measure,
    contender: f.contender,
    unit: f.unit,
    median: n(f.median),
    min: n(f.min),
    max: n(f.max),
    ratio: f.ratio === undefined ? "" : `${f.ratio.toFixed(3)} vs ${f.reference}`,
    target: f.target ? `${f.target.met ? "met" : "MISSED"}: ${f.target.text}` : "",
  };
}
