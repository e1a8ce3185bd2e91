import type { Registry } from "prom-client";

/** Labels are the labels summary reads; our series always have them, as strings. */
type Labels = Partial<Record<"grpc_service" | "grpc_method" | "grpc_type" | "grpc_code", string>>;

/** MethodStats is what the registry holds about one method, added up over its series. */
interface MethodStats {
  type: string;
  started: number;
  ok: number;
  errors: Map<string, number>;
  received: number;
  sent: number;
  seconds: number;
  count: number;
}

/**
 * summary reads the grpc_server_* metrics back from a registry, as a scraper
 * would see them, and renders one line per method: calls started, handled
 * OK, errors by code, messages received and sent, mean handling time.
 */
export async function summary(registry: Registry): Promise<string> {
  const methods = new Map<string, MethodStats>();
  for (const family of await registry.getMetricsAsJSON()) {
    if (!family.name.startsWith("grpc_server_")) continue;
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
      switch ((v as { metricName?: string }).metricName ?? family.name) {
        case "grpc_server_started_total":
          m.started += v.value;
          break;
        case "grpc_server_handled_total": {
          const code = labels.grpc_code ?? "";
          if (code === "OK") m.ok += v.value;
          // Every code has a series from the start, at 0: show only the ones that happened.
          else if (v.value > 0) m.errors.set(code, (m.errors.get(code) ?? 0) + v.value);
          break;
        }
        case "grpc_server_msg_received_total":
          m.received += v.value;
          break;
        case "grpc_server_msg_sent_total":
          m.sent += v.value;
          break;
        case "grpc_server_handling_seconds_sum":
          m.seconds += v.value;
          break;
        case "grpc_server_handling_seconds_count":
          m.count += v.value;
          break;
      }
    }
  }
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
