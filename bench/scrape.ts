// Scrape cost: the time and bytes of `await registry.metrics()` with N
// instrumented methods, histograms on, ours (ServerMetrics' Families reading
// preallocated records) against the same series in plain prom-client
// (Counter and Histogram children), each on its own Registry.
//
// Every series is left at zero on both sides, so the two expositions must be
// byte-identical: that is checked before anything is timed, and proves that
// both render the same series.

import { Registry } from "prom-client";
import { type GrpcType, grpcTypes, instrumentServer, type MethodTable, ServerMetrics } from "../runtime/index.js";
import { alternate, type Figure, figure, spread } from "./figures.js";
import { yardstick } from "./yardstick.js";

/** ScrapeOptions are the suite's common options. */
export interface ScrapeOptions {
  readonly rounds: number;
  readonly quick: boolean;
}

/** scrapeSizes are the numbers of instrumented methods measured; quick runs leave out 5,000. */
export const scrapeSizes: readonly number[] = [10, 100, 1_000, 5_000];
const quickSizes: readonly number[] = [10, 100, 1_000];

/**
 * linearityLimit bounds the slope of scrape time against methods beyond 1,000
 * methods, against its slope from 100 to 1,000: a linear cost has one slope.
 */
const linearityLimit = 1.25;

/** scrapeTable makes a method table of n methods: 10 per service, the four call types in turn. */
export function scrapeTable(n: number): MethodTable {
  const table: Record<string, { grpcService: string; grpcMethod: string; grpcType: GrpcType }> = {};
  for (let i = 0; i < n; i++) {
    table[`method${i}`] = {
      grpcService: `bench.scrape.v1.Service${Math.floor(i / 10)}`,
      grpcMethod: `Method${i % 10}`,
      grpcType: grpcTypes[i % grpcTypes.length]!,
    };
  }
  return table;
}

/** oursRegistry pre-registers the table's methods on a fresh Registry through instrumentServer, histogram on. */
export function oursRegistry(table: MethodTable): Registry {
  const registry = new Registry();
  const metrics = new ServerMetrics({ registry, handlingTimeHistogram: true });
  // No handlers: instrumentServer still makes every method's record, so every series, at zero.
  instrumentServer(table, {}, metrics);
  return registry;
}

/**
 * plainRegistry makes the same series in plain prom-client: the same names,
 * HELP, label names and label sets, registered and created in the same
 * order, every label set at zero (`inc(0)`, `zero()`).
 */
export function plainRegistry(table: MethodTable): Registry {
  const registry = new Registry();
  yardstick(registry).zero(table);
  return registry;
}

/** Exposition is what one scrape renders. */
export interface Exposition {
  readonly bytes: number;
  readonly series: number;
}

/** describe counts the bytes and series (sample lines) of an exposition. */
export function describe(text: string): Exposition {
  let series = 0;
  for (const line of text.split("\n")) if (line !== "" && !line.startsWith("#")) series++;
  return { bytes: Buffer.byteLength(text), series };
}

/** timeScrapes returns the mean ms per scrape over reps scrapes. */
async function timeScrapes(registry: Registry, reps: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await registry.metrics();
  return (performance.now() - t0) / reps;
}

interface Setup {
  readonly n: number;
  readonly ours: Registry;
  readonly plain: Registry;
  readonly exposition: Exposition;
  reps: number;
}

/**
 * runScrape measures every size, ours and plain prom-client alternating in
 * one run (all sizes and both contenders rotate in each round, over the same
 * live heap), and returns per size: ms per scrape (ratio ours/plain), bytes,
 * and µs per method, with the growth of ours from 100 to the largest size.
 */
export async function runScrape(options: ScrapeOptions): Promise<Figure[]> {
  const rounds = Math.max(1, options.rounds);
  // Each sample is the mean of reps scrapes, reps chosen so a sample lasts about this long.
  const sampleMs = options.quick ? 20 : 300;
  const warmups = options.quick ? 1 : 3;
  const sizes = options.quick ? quickSizes : scrapeSizes;
  const setups: Setup[] = [];
  for (const n of sizes) {
    const table = scrapeTable(n);
    const ours = oursRegistry(table);
    const plain = plainRegistry(table);
    const [a, b] = [await ours.metrics(), await plain.metrics()];
    if (a !== b) throw new Error(`scrape: at ${n} methods the two expositions differ; the comparison would be unfair`);
    setups.push({ n, ours, plain, exposition: describe(a), reps: 1 });
  }
  // Warm up both sides at every size, then size reps on the slower of the two.
  for (const s of setups) {
    let slower = 0;
    for (const registry of [s.ours, s.plain]) {
      await timeScrapes(registry, warmups);
      slower = Math.max(slower, await timeScrapes(registry, warmups));
    }
    s.reps = Math.max(1, Math.min(2_000, Math.round(sampleMs / Math.max(slower, 1e-3))));
  }

  const contenders: Record<string, () => Promise<number>> = {};
  for (const s of setups) {
    contenders[`ours@${s.n}`] = () => timeScrapes(s.ours, s.reps);
    contenders[`plain@${s.n}`] = () => timeScrapes(s.plain, s.reps);
  }
  const samples = await alternate(rounds, contenders);

  const out: Figure[] = [];
  for (const s of setups) {
    const measure = `scrape, ${s.n.toLocaleString("en-US")} methods (${s.exposition.series.toLocaleString("en-US")} series)`;
    const plain = spread(samples[`plain@${s.n}`]!);
    const ours = spread(samples[`ours@${s.n}`]!);
    out.push(figure(measure, "plain prom-client", "ms/scrape", plain));
    const ratio = ours.median / plain.median;
    out.push(
      figure(
        measure,
        "ours",
        "ms/scrape",
        ours,
        { name: "plain prom-client", spread: plain },
        {
          text: "ours/plain ≤ 1",
          met: ratio <= 1,
        },
      ),
    );
    const bytes = { median: s.exposition.bytes, min: s.exposition.bytes, max: s.exposition.bytes };
    out.push(
      figure(
        `exposition bytes, ${s.n.toLocaleString("en-US")} methods`,
        "ours = plain (byte-identical)",
        "bytes",
        bytes,
      ),
    );
  }

  // Time per method, each size against 100 methods, for both contenders: how the average moves.
  const perMethod = (name: "ours" | "plain", n: number) =>
    spread(samples[`${name}@${n}`]!.map((ms) => (ms * 1000) / n));
  for (const name of ["plain", "ours"] as const) {
    const contender = name === "ours" ? "ours" : "plain prom-client";
    const ref = { name: `${contender}, 100 methods`, spread: perMethod(name, 100) };
    for (const n of sizes) {
      out.push(
        figure(
          "scrape time per method",
          `${contender}, ${n.toLocaleString("en-US")} methods`,
          "µs/method",
          perMethod(name, n),
          n === 100 ? undefined : ref,
        ),
      );
    }
  }

  // Linearity: the slope, the time each added method adds, between consecutive sizes from 100
  // up, each round's samples taken together; linear means one slope at every size.
  const slope = (name: "ours" | "plain", from: number, to: number) => {
    const [a, b] = [samples[`${name}@${from}`]!, samples[`${name}@${to}`]!];
    return spread(a.map((ms, round) => ((b[round]! - ms) * 1000) / (to - from)));
  };
  const steps = sizes.filter((n) => n >= 100);
  for (const name of ["plain", "ours"] as const) {
    const contender = name === "ours" ? "ours" : "plain prom-client";
    const first = steps.length > 1 ? slope(name, steps[0]!, steps[1]!) : undefined;
    for (let i = 1; i < steps.length; i++) {
      const [from, to] = [steps[i - 1]!, steps[i]!];
      const s = slope(name, from, to);
      const isTarget = name === "ours" && i === steps.length - 1 && i > 1;
      out.push(
        figure(
          "scrape time each added method adds",
          `${contender}, ${from.toLocaleString("en-US")} → ${to.toLocaleString("en-US")} methods`,
          "µs/method",
          s,
          i === 1 || !first
            ? undefined
            : {
                name: `${contender}, ${steps[0]!.toLocaleString("en-US")} → ${steps[1]!.toLocaleString("en-US")}`,
                spread: first,
              },
          isTarget
            ? {
                text: `linear: slope ≤ ${linearityLimit}× the slope from ${steps[0]} to ${steps[1]}`,
                met: s.median / first!.median <= linearityLimit,
              }
            : undefined,
        ),
      );
    }
  }
  return out;
}
