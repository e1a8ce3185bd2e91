import type { Figure } from "./figures.js";
import { table } from "./table.js";

/**
 * runAlone runs one measure by itself, for `tsx bench/NAME-main.ts [--quick]
 * [--rounds N]`, and prints its figures as the full suite does.
 */
export async function runAlone(
  name: string,
  run: (options: { rounds: number; quick: boolean }) => Promise<Figure[]>,
): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const roundsAt = args.indexOf("--rounds");
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : quick ? 1 : 5;
  const t0 = performance.now();
  console.log(table(await run({ rounds, quick })));
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`${name}: ${rounds} round(s)${quick ? ", quick" : ""}, ${seconds} s`);
}
