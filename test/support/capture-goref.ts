// Captures testdata/goref/NAME.txt, what goref (the real go-grpc-prometheus)
// prints for each scenario NAME.json: its server's exposition, a
// "# ---- client" line, its client's. Each scenario runs twice and must come
// out the same both times, timings aside, or nothing is written for it.
//
//   npm run goref:capture          (GOREF=path/to/goref, else it is built with ../shared/reference/build.sh)
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gorefDir, scenarioNames } from "./conformance.js";
import { comparable, parseExposition } from "./exposition.js";
import { gorefBinary, runGoref } from "./goref.js";
import { repo } from "./plugin.js";

function binary(): string {
  const found = gorefBinary();
  if (found !== undefined) return found;
  const build = join(repo, "..", "shared", "reference", "build.sh");
  if (!existsSync(build)) throw new Error("no goref: set GOREF, or put the shared kit beside the repository");
  return execFileSync("bash", [build], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })
    .trim()
    .split("\n")
    .at(-1)!;
}

const canonical = (text: string) => JSON.stringify([...comparable(parseExposition(text), "grpc_")].sort());

const bin = binary();
for (const name of scenarioNames()) {
  const file = join(gorefDir, `${name}.json`);
  const [first, second] = [
    await runGoref(bin, ["scenario", "-scenario", file]),
    await runGoref(bin, ["scenario", "-scenario", file]),
  ];
  if (canonical(first) !== canonical(second)) {
    console.error(`${name}: goref gave two different expositions; make the scenario deterministic`);
    process.exitCode = 1;
    continue;
  }
  writeFileSync(join(gorefDir, `${name}.txt`), first);
  console.log(`${name}: ${parseExposition(first).series.size} series`);
}
