import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { DemoError, metricsPort } from "../example/metrics-endpoint.js";
import { bucketDeltas, histogramQuantile } from "../example/quantile.js";
import { repo } from "./support/plugin.js";

// Bounds and counts that are exact in binary, so every expected value is too.
const buckets = [
  { le: 0.25, count: 4 },
  { le: 0.5, count: 8 },
  { le: 1, count: 10 },
  { le: Number.POSITIVE_INFINITY, count: 12 },
];

describe("histogramQuantile, as PromQL's histogram_quantile", () => {
  it("interpolates inside the bucket that holds the rank", () => {
    expect(histogramQuantile(0.25, buckets)).toBe(0.1875); // rank 3 of 4 in [0, 0.25]
    expect(histogramQuantile(0.5, buckets)).toBe(0.375); // rank 6: 2 of 4 in [0.25, 0.5]
    expect(histogramQuantile(0.75, buckets)).toBe(0.75); // rank 9: 1 of 2 in [0.5, 1]
    expect(histogramQuantile(0, buckets)).toBe(0);
  });

  it("answers a rank in the +Inf bucket with the highest finite bound", () => {
    expect(histogramQuantile(0.99, buckets)).toBe(1);
    expect(histogramQuantile(1, buckets)).toBe(1);
  });

  it("takes buckets in any order, adds up equal bounds and forces counts monotonic", () => {
    expect(histogramQuantile(0.5, [...buckets].reverse())).toBe(0.375);
    const halves = buckets.flatMap((b) => [
      { le: b.le, count: b.count / 2 },
      { le: b.le, count: b.count / 2 },
    ]);
    expect(histogramQuantile(0.5, halves)).toBe(0.375);
    // 7 below 0.5 is read as 8, the count of the bucket under it.
    const dip = [{ le: 0.25, count: 8 }, { le: 0.5, count: 7 }, ...buckets.slice(2)];
    expect(histogramQuantile(0.5, dip)).toBe(histogramQuantile(0.5, [{ le: 0.25, count: 8 }, ...buckets.slice(1)]));
  });

  it("is NaN without observations, a +Inf bucket or two buckets; ±Inf for q outside [0, 1]", () => {
    expect(
      histogramQuantile(
        0.5,
        buckets.map((b) => ({ le: b.le, count: 0 })),
      ),
    ).toBeNaN();
    expect(histogramQuantile(0.5, buckets.slice(0, 3))).toBeNaN();
    expect(histogramQuantile(0.5, buckets.slice(3))).toBeNaN();
    expect(histogramQuantile(0.5, [])).toBeNaN();
    expect(histogramQuantile(Number.NaN, buckets)).toBeNaN();
    expect(histogramQuantile(-0.1, buckets)).toBe(Number.NEGATIVE_INFINITY);
    expect(histogramQuantile(1.1, buckets)).toBe(Number.POSITIVE_INFINITY);
  });

  it("reads a window from the bucket deltas, as over rate()", () => {
    const before = buckets.map((b) => ({ le: b.le, count: b.count * 10 }));
    const after = before.map((b, i) => ({ le: b.le, count: b.count + buckets[i]!.count }));
    expect(bucketDeltas(after, before)).toEqual(buckets);
    expect(bucketDeltas(buckets, [])).toEqual(buckets);
  });
});

describe("METRICS_PORT", () => {
  it("is any free port when unset or empty, else a port number", () => {
    expect(metricsPort(undefined)).toBe(0);
    expect(metricsPort("")).toBe(0);
    expect(metricsPort("9464")).toBe(9464);
  });

  it.each(["abc", "70000", "-1", "1.5", "9464x"])("%j is refused in one line", (value) => {
    expect(() => metricsPort(value)).toThrow(DemoError);
    expect(() => metricsPort(value)).toThrow(`METRICS_PORT "${value}" is not a port number`);
  });
});

interface Exit {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** demo runs the demo from source, as `npm run demo` does after generating. */
function demo(args: string[], env: Record<string, string> = {}): Promise<Exit> {
  const { METRICS_PORT: _, DEMO_EXIT: __, ...inherited } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "example/demo.ts", ...args],
      { cwd: repo, env: { ...inherited, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("the demo", () => {
  it("in once mode makes its 200 calls, prints the summary and exits 0", async () => {
    const { code, stdout, stderr } = await demo(["--once"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^200 calls in \d+ms; what each side recorded:$/m);
    expect(stdout).toContain("server: started 200 = handled 200");
    expect(stdout).toContain("client: started 200 = handled 200");
  });

  it("exits 1 with one line when METRICS_PORT is in use", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const exit = await demo(["--once"], { METRICS_PORT: String(port) });
      expect(exit).toEqual({
        code: 1,
        stdout: "",
        stderr: `demo: METRICS_PORT ${port} is in use; choose another or unset it\n`,
      });
    } finally {
      taken.close();
    }
  });
});
