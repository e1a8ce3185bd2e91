/**
 * What the recording rules and the alerts of a rule file share: which
 * methods a latency objective applies to, how methods sharing fault codes or
 * a latency bound are grouped into one ratio, and PromQL's label matchers.
 */
import type { MonitoredMethod, MonitoredService } from "./model.js";
import { decimal } from "./slo.js";

/**
 * hasLatencyObjective says whether a method's latency objective is alerted on:
 * only a unary call's handling time is a latency; a stream's is how long it
 * stayed open, which a plugin-wide or service-wide bound does not describe
 * (model.ts refuses a method's own latency option on a stream).
 */
export function hasLatencyObjective(m: MonitoredMethod): boolean {
  return m.objectives?.latency !== undefined && m.grpcType === "unary";
}

/**
 * selector is a PromQL label matcher list: a value is matched exactly, a list
 * of several by a regular expression of alternatives (method names and codes
 * are identifiers, which need no escaping).
 */
export function selector(matchers: Readonly<Record<string, string | readonly string[]>>): string {
  const parts = Object.entries(matchers).map(([label, v]) =>
    typeof v === "string" || v.length === 1
      ? `${label}=${JSON.stringify(typeof v === "string" ? v : v[0])}`
      : `${label}=~${JSON.stringify(v.join("|"))}`,
  );
  return `{${parts.join(",")}}`;
}

/**
 * groupedBy groups methods by a key, in the order the key first appears:
 * methods sharing fault codes (or a latency bound) share one ratio in each
 * window's recording rule.
 */
export function groupedBy<K>(methods: readonly MonitoredMethod[], key: (m: MonitoredMethod) => K | undefined) {
  const groups = new Map<string, { key: K; methods: string[] }>();
  for (const m of methods) {
    const k = key(m);
    if (k === undefined) continue;
    const id = JSON.stringify(k);
    const g = groups.get(id) ?? { key: k, methods: [] };
    g.methods.push(m.name);
    groups.set(id, g);
  }
  return [...groups.values()];
}

/** leMatcher matches a bucket bound as clients print it ("1") and as Prometheus 3 stores it ("1.0"). */
export function leMatcher(seconds: number): string | readonly string[] {
  const printed = String(decimal(seconds));
  return Number.isInteger(seconds) ? [printed, `${printed}\\.0`] : printed;
}

/**
 * ofMethods matches a service's methods among its series: by grpc_service
 * alone when they are all of them, so that the rules read short.
 */
export function ofMethods(
  service: MonitoredService,
  methods: readonly string[],
): Record<string, string | readonly string[]> {
  return methods.length === service.methods.length
    ? { grpc_service: service.typeName }
    : { grpc_service: service.typeName, grpc_method: methods };
}
