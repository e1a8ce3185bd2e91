// Heap cost: per pre-registered method, and per call.
//
// Each measurement runs in a fresh Node process (bench/memory-child.ts) with
// --expose-gc, so that nothing else lives on its heap, and with V8 flags that
// make heapUsed after a full GC repeatable:
//   --predictable       GC on the main thread only: no concurrent sweeping or
//                       marking still under way when the heap is read;
//   --no-flush-bytecode no bytecode thrown away by the GCs that settle the
//                       heap, and compiled again later (tens of KB either way);
//   --jitless           (one per-call mode) the interpreter only: no optimized
//                       code or deoptimization data, which otherwise leave a
//                       few KB that depend on when the JIT ran, not on the
//                       number of calls.
// Contenders alternate over rounds, one process each.

import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { alternate, type Figure, figure, spread } from "./figures.js";
import type { MemoryResult } from "./memory-child.js";

/** MemoryOptions are the suite's common options. */
export interface MemoryOptions {
  readonly rounds: number;
  readonly quick: boolean;
}

const repo = fileURLToPath(new URL("../", import.meta.url));
const child = fileURLToPath(new URL("./memory-child.ts", import.meta.url));
const baseFlags = ["--expose-gc", "--predictable", "--no-flush-bytecode"];

/** perCallLimit is the target on heap growth per call, in bytes, and the noise bound it is asserted within. */
export const perCallLimit = 0.01;

/** measure runs one measurement in a fresh process and returns what it printed. */
async function measure(flags: readonly string[], args: readonly (string | number)[]): Promise<MemoryResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...baseFlags, ...flags, "--import", "tsx", child, ...args.map(String)],
    { cwd: repo, timeout: 300_000, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as MemoryResult;
}

/**
 * runMemory measures (1) heap per pre-registered method, ours against the
 * same series in plain prom-client, for N = 1,000 and 5,000, right after
 * registration and after a first scrape (the Registry then caches label
 * strings); (2) heap growth over 1,000,000 unary calls driven in-process,
 * ours against the harness alone, with the JIT on (and over 100,000 calls,
 * to show what does not scale with calls) and with --jitless. Quick runs:
 * 1,000 methods, and 100,000 calls with --jitless only.
 */
export async function runMemory(options: MemoryOptions): Promise<Figure[]> {
  const rounds = Math.max(1, options.rounds);
  const sizes = options.quick ? [1_000] : [1_000, 5_000];
  const calls = options.quick ? 100_000 : 1_000_000;
  const warmup = options.quick ? 20_000 : 200_000;
  const out: Figure[] = [];

  // (1) Heap per method. One check: both sides expose the same series.
  for (const n of sizes) {
    const results: Record<"ours" | "plain", MemoryResult[]> = { ours: [], plain: [] };
    const record = (name: "ours" | "plain") => async () => {
      const r = await measure([], ["methods", name, n]);
      if (r.check !== n * 34)
        throw new Error(`memory: ${name} exposes ${r.check} series for ${n} methods, not ${n * 34}`);
      results[name].push(r);
      return 0;
    };
    await alternate(rounds, { ours: record("ours"), plain: record("plain") });
    const perMethod = (rs: MemoryResult[], after: (r: MemoryResult) => number) =>
      spread(rs.map((r) => (after(r) - r.before) / n));
    const label = n.toLocaleString("en-US");
    for (const [stage, after] of [
      ["registered", (r: MemoryResult) => r.after],
      ["after a first scrape", (r: MemoryResult) => r.scraped!],
    ] as const) {
      const plain = perMethod(results.plain, after);
      const ours = perMethod(results.ours, after);
      const m = `heap per method, ${label} methods, ${stage}`;
      out.push(figure(m, "plain prom-client", "bytes/method", plain));
      out.push(figure(m, "ours", "bytes/method", ours, { name: "plain prom-client", spread: plain }));
    }
  }

  // (2) Heap growth over calls. The harness alone ("baseline") shows the floor. With the JIT on,
  // ours also runs a tenth of the calls: a growth that does not scale with the calls is no per-call cost.
  const modes = options.quick
    ? [{ name: "--jitless", flags: ["--jitless"], counts: [calls] }]
    : [
        { name: "JIT on", flags: [] as string[], counts: [calls / 10, calls] },
        { name: "--jitless", flags: ["--jitless"], counts: [calls] },
      ];
  for (const mode of modes) {
    const largest = mode.counts.at(-1)!;
    const runs: { name: "ours" | "baseline"; count: number; results: MemoryResult[] }[] = [
      ...mode.counts.map((count) => ({ name: "ours" as const, count, results: [] as MemoryResult[] })),
      { name: "baseline", count: largest, results: [] },
    ];
    const contenders: Record<string, () => Promise<number>> = {};
    for (const run of runs) {
      // The interpreter needs no long warm-up.
      const w = mode.flags.includes("--jitless") ? warmup / 10 : warmup;
      contenders[`${run.name}@${run.count}`] = async () => {
        const r = await measure(mode.flags, ["calls", run.name, run.count, w]);
        if (r.check !== run.count) throw new Error(`memory: ${run.name} counted ${r.check} of ${run.count} calls`);
        run.results.push(r);
        return 0;
      };
    }
    await alternate(rounds, contenders);
    for (const run of runs) {
      const contender = run.name === "ours" ? "ours" : "baseline (harness, no metrics)";
      const label = `${run.count.toLocaleString("en-US")} calls, ${mode.name}`;
      const rs = run.results;
      if (run.count === largest) {
        out.push(figure(`heap before ${label}`, contender, "bytes", spread(rs.map((r) => r.before))));
        out.push(figure(`heap after ${label}`, contender, "bytes", spread(rs.map((r) => r.after))));
      }
      out.push(figure(`heap growth, ${label}`, contender, "bytes", spread(rs.map((r) => r.after - r.before))));
      const growth = spread(rs.map((r) => (r.after - r.before) / run.count));
      const worst = Math.max(Math.abs(growth.min), Math.abs(growth.max));
      // With the JIT on, the target is the marginal growth below: the JIT leaves a few KB whatever the count.
      const isTarget = run.name === "ours" && run.count === largest && mode.counts.length === 1;
      out.push(
        figure(
          `heap growth per call, ${label}`,
          contender,
          "bytes/call",
          growth,
          undefined,
          isTarget
            ? { text: `|growth| < ${perCallLimit} bytes/call in every round`, met: worst < perCallLimit }
            : undefined,
        ),
      );
    }
    // What each call adds: the growth over the most calls less that over the fewest, per added call,
    // each round's pair taken together. A constant left by the JIT cancels out; a per-call cost does not.
    if (mode.counts.length > 1) {
      const [few, many] = [runs[0]!, runs[mode.counts.length - 1]!];
      const added = many.count - few.count;
      const marginal = spread(
        many.results.map((r, i) => (r.after - r.before - (few.results[i]!.after - few.results[i]!.before)) / added),
      );
      const worst = Math.max(Math.abs(marginal.min), Math.abs(marginal.max));
      out.push(
        figure(
          `heap growth per added call, ${few.count.toLocaleString("en-US")} → ${many.count.toLocaleString("en-US")} calls, ${mode.name}`,
          "ours",
          "bytes/call",
          marginal,
          undefined,
          { text: `|growth| < ${perCallLimit} bytes/call in every round`, met: worst < perCallLimit },
        ),
      );
    }
  }
  return out;
}
