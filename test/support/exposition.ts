import type { Registry } from "prom-client";
import { waitFor } from "./wait.js";

/**
 * Exposition is a parsed text exposition: one entry per series, keyed
 * `name{label="value",...}` with labels sorted, and the HELP and TYPE lines.
 */
export interface Exposition {
  readonly series: Map<string, number>;
  readonly meta: Map<string, string>;
}

const lineRE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const labelRE = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** parseExposition reads Prometheus text format into its canonical form. */
export function parseExposition(text: string): Exposition {
  const series = new Map<string, number>();
  const meta = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (m) {
      meta.set(`${m[1]} ${m[2]}`, m[3]!);
      continue;
    }
    if (line.startsWith("#")) continue;
    const s = lineRE.exec(line);
    if (!s) throw new Error(`unparsable exposition line: ${line}`);
    const labels = [...(s[2] ?? "").matchAll(labelRE)].map(([, k, v]) => `${k}="${v}"`).sort();
    series.set(`${s[1]}{${labels.join(",")}}`, Number(s[3]));
  }
  return { series, meta };
}

/** key builds the canonical key of one series. */
export function key(name: string, labels: Record<string, string>): string {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return `${name}{${parts.join(",")}}`;
}

/** scrape renders a registry and parses it. */
export async function scrape(registry: Registry): Promise<Exposition> {
  return parseExposition(await registry.metrics());
}

/**
 * comparable drops what differs from run to run (histogram sums and every
 * bucket but +Inf) and keeps only families starting with prefix.
 */
export function comparable(e: Exposition, prefix: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of e.series) {
    if (!k.startsWith(prefix)) continue;
    const name = k.slice(0, k.indexOf("{"));
    if (name.endsWith("_sum")) continue;
    if (name.endsWith("_bucket") && !k.includes('le="+Inf"')) continue;
    out.set(k, v);
  }
  return out;
}

/** nonZero returns the series whose value is not 0, as a plain object for readable diffs. */
export function nonZero(m: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...m].filter(([, v]) => v !== 0).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** seriesValue scrapes a registry and reads one series; a series that is absent fails, it is not taken as 0. */
export async function seriesValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const k = key(name, labels);
  const v = (await scrape(registry)).series.get(k);
  if (v === undefined) throw new Error(`no series ${k}`);
  return v;
}

/** codesOf returns the non-zero series of a handled_total family for one method, by grpc_code. */
export function codesOf(e: Exposition, family: string, method: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of e.series) {
    if (v === 0 || !k.startsWith(`${family}{`) || !k.includes(`grpc_method="${method}"`)) continue;
    out[/grpc_code="([^"]*)"/.exec(k)![1]!] = v;
  }
  return out;
}

/**
 * settled waits until every call a server started is counted as handled:
 * a client sees a call end a moment before the server has counted it. It
 * returns the last exposition read, settled or, after 5 s, not: the
 * caller's assertions then say what is missing.
 */
export async function settled(read: () => Promise<Exposition>): Promise<Exposition> {
  let e: Exposition | undefined;
  await waitFor(
    async () => {
      e = await read();
      let started = 0;
      let handled = 0;
      for (const [k, v] of e.series) {
        if (k.startsWith("grpc_server_started_total{")) started += v;
        if (k.startsWith("grpc_server_handled_total{")) handled += v;
      }
      return started === handled;
    },
    { timeoutMs: 5_000, intervalMs: 10, orFalse: true },
  );
  return e!;
}
