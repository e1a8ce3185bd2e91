import type { Registry } from "prom-client";

/** Side is whose metrics a table shows: the families named grpc_server_* or grpc_client_*. */
type Side = "server" | "client";

const sides: readonly Side[] = ["server", "client"];

/** Labels are the labels summary reads; our series always have them, as strings. */
type Labels = Partial<Record<"grpc_service" | "grpc_method" | "grpc_type" | "grpc_code", string>>;

/** Families is what a registry holds, as getMetricsAsJSON returns it. */
type Families = Awaited<ReturnType<Registry["getMetricsAsJSON"]>>;

/** MethodStats is what one side recorded about one method, added up over its series. */
interface MethodStats {
  type: string;
  started: number;
  ok: number;
  /** errors counts the calls handled with each code but OK. */
  errors: Map<string, number>;
  received: number;
  sent: number;
  seconds: number;
  count: number;
}

/**
 * summary reads the grpc_server_* and grpc_client_* metrics back from a
 * registry, as a scraper would see them, and renders a table for each side,
 * one line per method: calls started, handled OK, errors by code, messages
 * received and sent, mean handling time. Below the tables, one line per side
 * checks that every call started was handled.
 */
export async function summary(registry: Registry): Promise<string> {
  const families = await registry.getMetricsAsJSON();
  const perSide = sides.map((side) => [side, methodStats(families, side)] as const);
  const tables = perSide.map(([side, methods]) => `${side} view (grpc_${side}_*):\n${render(methods)}`);
  const checks = perSide.map(([side, methods]) => {
    const { started, handled } = totals(methods);
    return `${side}: started ${started} ${started === handled ? "=" : "!="} handled ${handled}`;
  });
  return [...tables, checks.join("\n")].join("\n\n");
}

/** totals adds up the calls one side started and handled, over every method and code. */
function totals(methods: ReadonlyMap<string, MethodStats>): { started: number; handled: number } {
  let started = 0;
  let handled = 0;
  for (const m of methods.values()) {
    started += m.started;
    handled += m.ok + [...m.errors.values()].reduce((a, b) => a + b, 0);
  }
  return { started, handled };
}

/** methodStats adds up one side's series by method, keyed "Service/Method". */
function methodStats(families: Families, side: Side): Map<string, MethodStats> {
  const prefix = `grpc_${side}_`;
  const methods = new Map<string, MethodStats>();
  for (const family of families) {
    if (!family.name.startsWith(prefix)) continue;
    for (const v of family.values) {
      const labels = v.labels as Labels;
      const key = `${labels.grpc_service?.split(".").pop()}/${labels.grpc_method}`;
      let m = methods.get(key);
      if (m === undefined) {
        m = {
          type: labels.grpc_type ?? "",
          started: 0,
          ok: 0,
          errors: new Map(),
          received: 0,
          sent: 0,
          seconds: 0,
          count: 0,
        };
        methods.set(key, m);
      }
      // Histogram values name their series (_bucket, _sum, _count); counters do not.
      switch (((v as { metricName?: string }).metricName ?? family.name).slice(prefix.length)) {
        case "started_total":
          m.started += v.value;
          break;
        case "handled_total": {
          const code = labels.grpc_code ?? "";
          if (code === "OK") m.ok += v.value;
          // Every code has a series from the start, at 0: show only the ones that happened.
          else if (v.value > 0) m.errors.set(code, (m.errors.get(code) ?? 0) + v.value);
          break;
        }
        case "msg_received_total":
          m.received += v.value;
          break;
        case "msg_sent_total":
          m.sent += v.value;
          break;
        case "handling_seconds_sum":
          m.seconds += v.value;
          break;
        case "handling_seconds_count":
          m.count += v.value;
          break;
      }
    }
  }
  return methods;
}

/** render makes the table of one side. */
function render(methods: ReadonlyMap<string, MethodStats>): string {
  const header = ["method", "type", "started", "OK", "recv", "sent", "mean", "errors"];
  const rows = [...methods].map(([key, m]) => [
    key,
    m.type,
    String(m.started),
    String(m.ok),
    String(m.received),
    String(m.sent),
    m.count === 0 ? "-" : `${((m.seconds / m.count) * 1000).toFixed(2)}ms`,
    [...m.errors].map(([code, n]) => `${code} ${n}`).join(", ") || "-",
  ]);
  return table([header, ...rows], [false, false, true, true, true, true, true, false]);
}

/** table lays out rows in columns, the numbers right-aligned. */
function table(rows: readonly string[][], right: readonly boolean[]): string {
  const widths = right.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
