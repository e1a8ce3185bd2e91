/**
 * A real Prometheus for tests: Debian's `prometheus` binary (`.ci/run`
 * installs the package), started on a free loopback port with its own
 * storage, scraping the given targets every second and evaluating the given
 * rule files every second; queried through its HTTP API. Where the binary
 * is missing, `prometheusMissing` says why, for `describe.skipIf`.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "./readme.js";
import { sleep, waitFor } from "./wait.js";

/** prometheusBin and promtoolBin are the binaries the tests run: PROMETHEUS/PROMTOOL, else Debian's. */
export const prometheusBin = process.env.PROMETHEUS ?? "/usr/bin/prometheus";
export const promtoolBin = process.env.PROMTOOL ?? "/usr/bin/promtool";

function missing(bin: string, name: string): string | undefined {
  try {
    execFileSync(bin, ["--version"], { stdio: "ignore", timeout: 10_000 });
    return undefined;
  } catch {
    return `${name} is not installed at ${bin} (apt-get install prometheus, or set ${name.toUpperCase()}); skipped`;
  }
}

/** prometheusMissing is why the live tests cannot run here, or undefined when they can. */
export const prometheusMissing: string | undefined = missing(prometheusBin, "prometheus");
/** promtoolMissing is why the promtool tests cannot run here, or undefined when they can. */
export const promtoolMissing: string | undefined = missing(promtoolBin, "promtool");

/** ScrapeJob is one scrape job: its name and the host:port targets it scrapes at /metrics. */
export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
}

/** Sample is one element of an instant vector. */
export interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** Prometheus is a running server. */
export interface Prometheus {
  /** url is its base URL, http://127.0.0.1:PORT. */
  readonly url: string;
  /** query evaluates an instant query now; a query Prometheus refuses throws with its error. */
  query(expr: string): Promise<Sample[]>;
  /** rules returns the rule groups Prometheus loaded, with each rule's health and last error. */
  rules(): Promise<{ name: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[]>;
  /** waitForTargets resolves once every target has been scraped up at least once. */
  waitForTargets(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * startPrometheus starts Prometheus scraping jobs every second and
 * evaluating ruleFiles (absolute paths) every second. The caller stops it.
 */
export async function startPrometheus(
  jobs: readonly ScrapeJob[],
  ruleFiles: readonly string[] = [],
): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), "grpc-prom-prometheus-"));
  const [port] = await freePorts(1);
  const config = [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 900ms",
    "  evaluation_interval: 1s",
    ...(ruleFiles.length === 0 ? [] : ["rule_files:", ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)]),
    "scrape_configs:",
    ...jobs.flatMap((j) => [
      `  - job_name: ${JSON.stringify(j.job)}`,
      "    static_configs:",
      `      - targets: [${j.targets.map((t) => JSON.stringify(t)).join(", ")}]`,
    ]),
    "",
  ].join("\n");
  writeFileSync(join(dir, "prometheus.yml"), config);
  const child: ChildProcess = spawn(
    prometheusBin,
    [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  let exited: number | null | undefined;
  child.on("exit", (code) => (exited = code));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (exited === undefined) {
      child.kill("SIGTERM");
      for (let i = 0; i < 100 && exited === undefined; i++) await sleep(50);
      if (exited === undefined) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (exited !== undefined) throw new Error(`prometheus exited (${exited}):\n${stderr}`);
        try {
          return (await fetch(`${url}/-/ready`)).ok;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, intervalMs: 100, what: () => `prometheus never became ready on ${url}:\n${stderr}` },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`prometheus ${path}: ${body.error ?? res.status}`);
    return body.data;
  };
  return {
    url,
    async query(expr) {
      const data = await api<{
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
      if (data.resultType !== "vector") throw new Error(`prometheus: ${expr} gave a ${data.resultType}, not a vector`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async rules() {
      const data = await api<{
        groups: { name: string; rules: { name: string; health: string; lastError?: string; type: string }[] }[];
      }>("/api/v1/rules");
      return data.groups;
    },
    async waitForTargets() {
      await waitFor(
        async () => {
          const data = await api<{ activeTargets: { health: string }[] }>("/api/v1/targets");
          return data.activeTargets.length > 0 && data.activeTargets.every((t) => t.health === "up");
        },
        { timeoutMs: 30_000, intervalMs: 200, what: "prometheus never scraped every target up" },
      );
    },
    stop,
  };
}
