import { histogramQuantile } from "./quantile.js";
import { handledTotal, type MethodCounts, type Snapshot, sides } from "./snapshot.js";
import { ms, table } from "./table.js";

/**
 * summary renders what each side recorded since the start, read back from
 * the registry as a scraper sees it: a table per side, one line per method
 * (calls started, handled OK, messages received and sent, p50, p99 and mean
 * handling time, errors by code). Below, a line per side checks that every
 * call started was handled, and a line per method explains any message one
 * side sent that the other never received.
 */
export function summary(snapshot: Snapshot): string {
  const tables = sides.map((side) => `${side} view (grpc_${side}_*):\n${render(snapshot.methods[side]).join("\n")}`);
  const checks = sides.map((side) => {
    let started = 0;
    let handled = 0;
    for (const m of snapshot.methods[side].values()) {
      started += m.started;
      handled += handledTotal(m);
    }
    return `${side}: started ${started} ${started === handled ? "=" : "!="} handled ${handled}`;
  });
  return [...tables, [...checks, ...gaps(snapshot)].join("\n")].join("\n\n");
}

/** render makes the table of one side. */
function render(methods: ReadonlyMap<string, MethodCounts>): string[] {
  const header = ["method", "type", "started", "OK", "recv", "sent", "p50", "p99", "mean", "errors"];
  const rows = [...methods].map(([key, m]) => [
    key,
    m.type,
    String(m.started),
    String(m.handled.get("OK") ?? 0),
    String(m.received),
    String(m.sent),
    ms(histogramQuantile(0.5, m.buckets)),
    ms(histogramQuantile(0.99, m.buckets)),
    ms(m.count === 0 ? Number.NaN : m.seconds / m.count),
    [...m.handled]
      .filter(([code]) => code !== "OK")
      .map(([code, n]) => `${code} ${n}`)
      .join(", ") || "-",
  ]);
  return table([header, ...rows], [false, false, true, true, true, true, true, true, true, false]);
}

/**
 * gaps explains, per method, the messages one side counted as sent and the
 * other never counted as received. Each side counts what it saw: the server a
 * response once written to the stream, the client one once handed to its
 * caller. A caller that cancels, or whose deadline passes, ends its call at
 * once, while the server goes on writing until the reset reaches it; what
 * it wrote in between arrives at a call that is over and is dropped.
 * go-grpc-prometheus's two sides count the same way.
 */
function gaps({ methods }: Snapshot): string[] {
  const out: string[] = [];
  for (const [key, server] of methods.server) {
    const client = methods.client.get(key);
    if (client === undefined) continue;
    const name = key.split("/").pop();
    const responses = server.sent - client.received;
    if (responses > 0) {
      out.push(
        `${name}: server sent ${server.sent}, client received ${client.received}: ${messages(responses)} ` +
          "went out after the caller had cancelled or passed its deadline, and arrived at a call already over",
      );
    }
    const requests = client.sent - server.received;
    if (requests > 0) {
      out.push(
        `${name}: client sent ${client.sent}, server received ${server.received}: ${messages(requests)} ` +
          "arrived after the server had ended the call",
      );
    }
  }
  return out;
}

/** messages counts messages in words: "1 message", "2 messages". */
function messages(n: number): string {
  return `${n} message${n === 1 ? "" : "s"}`;
}
