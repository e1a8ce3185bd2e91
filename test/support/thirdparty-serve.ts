/**
 * Serving one scenario's metrics to a real Prometheus so that third-party
 * PromQL can be evaluated over them: goref's exposition, ours, and goref's
 * with the rows of the difference table applied (all of them, or all but
 * one reason, to tell which reason an expression's difference comes from).
 *
 * Every counter and histogram series grows in the same way on every target:
 * scrape n of a target serves value × n, stamped with the time start + n
 * seconds (explicit timestamps, which Prometheus keeps). Every target thus
 * holds the same samples at the same times however its scrapes fall, and a
 * query at start + K.5 s, once each target has been scraped more than K
 * times, gives results that depend on the served values only: rates are
 * value × (K + ½) / range on every target, ratios of rates exact.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { differenceTable, type reasons } from "./differences.js";
import type { Exposition } from "./exposition.js";
import type { Sample } from "./prometheus.js";
import type { Compare } from "./thirdparty.js";

/** Series are an exposition's samples and HELP/TYPE lines, server and client together. */
export interface Series {
  readonly series: Map<string, number>;
  readonly meta: Map<string, string>;
}

/** merge puts a server's and a client's expositions together (their families differ: grpc_server_, grpc_client_). */
export function merge(server: Exposition, client: Exposition): Series {
  return { series: new Map([...server.series, ...client.series]), meta: new Map([...server.meta, ...client.meta]) };
}

/**
 * clientZeros is the README's row "client | no series before a method's
 * first call | every series at zero from construction": the one difference
 * the conformance test applies as a rule (a client series at 0 counts as
 * absent), not as rows of differenceTable.
 */
export const clientZeros = "clientZeros" as const;

/** Reason is a reason of the difference table, or clientZeros. */
export type Reason = keyof typeof reasons | typeof clientZeros;

/** reasonsOf lists the reasons that apply to a scenario: its rows' and clientZeros. */
export function reasonsOf(scenario: string): Reason[] {
  const rs = new Set<Reason>(differenceTable.filter((r) => r.scenario === scenario).map((r) => r.reason));
  return [...rs, clientZeros].sort();
}

/**
 * withDifferences returns goref's series changed as the difference table
 * says ours differ, reasons in `omit` aside: each row of the scenario sets
 * its series to our value (undefined: no such series); with clientZeros, a
 * client series is at 0 exactly where ours is (made at 0, or dropped where
 * ours has none). What remains different from ours is then only timings
 * (histogram sums and finite buckets) or a difference the table lacks.
 */
export function withDifferences(scenario: string, go: Series, ours: Series, omit: readonly Reason[] = []): Series {
  const out = new Map(go.series);
  for (const row of differenceTable) {
    if (row.scenario !== scenario || omit.includes(row.reason)) continue;
    if (row.ours === undefined) out.delete(row.series);
    else out.set(row.series, row.ours);
  }
  if (!omit.includes(clientZeros)) {
    for (const [k, v] of [...out]) if (k.startsWith("grpc_client_") && v === 0 && !ours.series.has(k)) out.delete(k);
    for (const [k, v] of ours.series) if (k.startsWith("grpc_client_") && v === 0 && !out.has(k)) out.set(k, 0);
  }
  return { series: out, meta: go.meta };
}

function family(name: string, meta: Map<string, string>): string {
  if (meta.has(`TYPE ${name}`)) return name;
  const base = name.replace(/_(?:bucket|sum|count)$/, "");
  return meta.has(`TYPE ${base}`) ? base : name;
}

/** Template is an exposition ready to serve growing: lines grouped by family, each with its value. */
interface Template {
  readonly families: { header: string[]; lines: [string, number][] }[];
}

function template(s: Series): Template {
  const byFamily = new Map<string, [string, number][]>();
  for (const [k, v] of [...s.series].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const f = family(k.slice(0, k.indexOf("{")), s.meta);
    if (!byFamily.has(f)) byFamily.set(f, []);
    byFamily.get(f)!.push([k, v]);
  }
  return {
    families: [...byFamily].map(([f, lines]) => ({
      header: (["HELP", "TYPE"] as const)
        .filter((h) => s.meta.has(`${h} ${f}`))
        .map((h) => `# ${h} ${f} ${s.meta.get(`${h} ${f}`)}`),
      lines,
    })),
  };
}

/** render gives scrape n of a template: every value × n, stamped startMs + n s. */
export function render(t: Template, n: number, startMs: number): string {
  const ts = startMs + n * 1000;
  const out: string[] = [];
  for (const f of t.families) {
    out.push(...f.header);
    for (const [k, v] of f.lines) out.push(`${k.endsWith("{}") ? k.slice(0, -2) : k} ${v * n} ${ts}`);
  }
  return `${out.join("\n")}\n`;
}

/** Target is one small HTTP server on 127.0.0.1:0 serving a scenario's metrics, growing scrape by scrape. */
export interface Target {
  readonly address: string;
  /** scrapes is how many times it has been scraped. */
  scrapes(): number;
  close(): Promise<void>;
}

/** serve starts a Target for series, its samples stamped from startMs. */
export async function serve(s: Series, startMs: number): Promise<Target> {
  const t = template(s);
  let n = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    n++;
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(render(t, n, startMs));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    scrapes: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** queryAt evaluates an instant query at a time (ms) on a Prometheus; a query Prometheus refuses throws. */
export async function queryAt(url: string, expr: string, timeMs?: number): Promise<Sample[]> {
  const params = new URLSearchParams({ query: expr });
  if (timeMs !== undefined) params.set("time", String(timeMs / 1000));
  const res = await fetch(`${url}/api/v1/query?${params}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== "success") throw new Error(`prometheus: ${expr}: ${body.error ?? res.status}`);
  if (body.data.resultType !== "vector") throw new Error(`prometheus: ${expr} gave a ${body.data.resultType}`);
  return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/**
 * Result is a query's vector in a canonical form: each sample's labels
 * (`instance`, a loopback port, replaced by the job it serves), sorted, to
 * its value.
 */
export type Result = Map<string, number>;

/** canonical turns samples into a Result; instances maps a target's address to the job it serves. */
export function canonical(samples: readonly Sample[], instances: ReadonlyMap<string, string>): Result {
  const out: Result = new Map();
  for (const s of samples) {
    const labels = Object.entries(s.metric)
      .map(([k, v]) => [k, k === "instance" ? (instances.get(v) ?? v) : v] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    out.set(`{${labels.join(",")}}`, s.value);
  }
  return out;
}

/** Mismatch is one sample on which two results differ; undefined: absent. */
export interface Mismatch {
  readonly labels: string;
  readonly a: number | undefined;
  readonly b: number | undefined;
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);
}

/**
 * mismatches compares two results as a form says (see Form.compare):
 * "exact", the same label sets and values equal within 1e-9 relative;
 * "durations", the same label sets, values both NaN or both not; "runs",
 * not at all.
 */
export function mismatches(a: Result, b: Result, compare: Compare): Mismatch[] {
  if (compare === "runs") return [];
  const out: Mismatch[] = [];
  for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const [x, y] = [a.get(k), b.get(k)];
    if (x === undefined || y === undefined) out.push({ labels: k, a: x, b: y });
    else if (compare === "durations" ? Number.isNaN(x) !== Number.isNaN(y) : !close(x, y)) {
      out.push({ labels: k, a: x, b: y });
    }
  }
  return out;
}
