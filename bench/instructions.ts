// The client's own work per unary call, counted in instructions: each
// contender of bench/client-path.ts runs under valgrind's callgrind twice,
// with few calls and with many; the difference, divided by the difference in
// calls, is the instructions of one call, start-up and warm-up taken out.
// Instructions, unlike time, do not depend on what else the machine is doing,
// so differences of a few percent that timings on a shared machine cannot
// resolve show here. Not part of `npm run bench`: it takes ~10 minutes and
// needs valgrind (Debian's package `valgrind`).
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type ClientPathKind, clientPathKinds } from "./client-path.js";
import { type Figure, figure } from "./figures.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

/** instructions runs one contender under callgrind and returns the instructions it executed. */
async function instructions(kind: ClientPathKind, calls: number, dir: string): Promise<number> {
  const { stderr } = await run(
    "valgrind",
    [
      "--tool=callgrind",
      // V8 writes the code it runs: valgrind must look for that everywhere but in files.
      "--smc-check=all-non-file",
      `--callgrind-out-file=${join(dir, `${kind}.${calls}.out`)}`,
      process.execPath,
      // One thread: no concurrent compiler or collector whose timing would change the count.
      "--single-threaded",
      "--import",
      "tsx",
      "bench/client-path.ts",
      kind,
      String(calls),
    ],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  );
  const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  if (!refs) throw new Error(`callgrind printed no instruction count for ${kind}:\n${stderr.slice(-2000)}`);
  return Number(refs[1]!.replaceAll(",", ""));
}

/** runInstructions counts the instructions per unary call of each client-path contender. */
export async function runInstructions(options: { quick: boolean }): Promise<Figure[]> {
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("the instructions measure needs valgrind: apt-get install valgrind");
  }
  const [few, many] = options.quick ? [500, 2_500] : [2_000, 22_000];
  // One run outside valgrind first, so that tsx's cache of compiled files is warm for every counted run alike.
  execFileSync(process.execPath, ["--import", "tsx", "bench/client-path.ts", "ours", "1"], { cwd: root });
  const dir = mkdtempSync(join(tmpdir(), "grpc-prom-instructions-"));
  try {
    const jobs = clientPathKinds.flatMap((kind) => [few, many].map((calls) => ({ kind, calls })));
    const counts = new Map<string, number>();
    // Two at a time, one per core: a count does not depend on the machine's load, only the wall time does.
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        counts.set(`${job.kind}.${job.calls}`, await instructions(job.kind, job.calls, dir));
        process.stderr.write(`  ${job.kind}, ${job.calls} calls: done\n`);
      }
    };
    await Promise.all([worker(), worker()]);
    const perCall = (kind: ClientPathKind) =>
      (counts.get(`${kind}.${many}`)! - counts.get(`${kind}.${few}`)!) / (many - few);
    const one = (n: number) => ({ median: n, min: n, max: n });
    const measure = "client work of a unary call (instructions)";
    const plain = one(perCall("plain"));
    const ref = { name: "plain", spread: plain };
    return [
      figure(measure, "plain", "instr/call", plain),
      figure(measure, "plain again (A/A: the noise)", "instr/call", one(perCall("plain-again")), ref),
      figure(measure, "a no-op interceptor", "instr/call", one(perCall("noop-interceptor")), ref),
      figure(measure, "ours", "instr/call", one(perCall("ours")), ref),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
