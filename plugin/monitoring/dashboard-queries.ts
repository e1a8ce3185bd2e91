import { clientMetricDefs, type GrpcType, serverMetricDefs } from "../../runtime/contract.js";
import { prefixedDefs } from "../../runtime/registration.js";

/** Side is which end of a call a family counts: the service's own server, or the clients that call it. */
export type Side = "server" | "client";

/** rateInterval is the range of every rate(): Grafana's, at least four scrape intervals, so a rate always has samples. */
export const rateInterval = "$__rate_interval";

/** The dashboard's variables, as its queries use them. */
export const variables = { datasource: "datasource", job: "job", instance: "instance", matcher: "matcher" } as const;

/**
 * SideQueries are the PromQL of one side of one service. Each selector
 * matches the service's grpc_service, the job and instance variables (regular
 * expressions: multi-value and "All" substitute as one) and then the free
 * matcher variable, last, so that left empty it leaves a trailing comma,
 * which PromQL allows. Every aggregation is a `sum` over the instances of the
 * jobs selected, by the labels the panel shows; a ratio is a ratio of those
 * sums, never an average of each replica's ratio.
 */
export interface SideQueries {
  /** requests is the rate of calls started: `by` "" for the whole service, "grpc_method" per method. */
  requests(by: By): string;
  /** errorPercent is the percentage of calls handled with a code other than OK. */
  errorPercent(by: By): string;
  /** errorsByMethodAndCode is the rate of calls handled with each code other than OK; codes that did not occur are left out. */
  errorsByMethodAndCode(): string;
  /** errorPercentByCode is each non-OK code's share, in percent, of every call handled; codes that did not occur are left out. */
  errorPercentByCode(): string;
  /** inFlight is the calls started and not yet handled. */
  inFlight(by: By): string;
  /** latency is the q-quantile of the handling time, of the whole service or of one method. */
  latency(q: number, method?: string): string;
  /** messagesPerCall is the messages received or sent per call started, for the methods of the given types. */
  messagesPerCall(direction: "received" | "sent", types: readonly GrpcType[]): string;
}

/** By is how a query aggregates: "" into one series, "grpc_method" into one per method. */
export type By = "" | "grpc_method";

/** sideQueries returns the queries of a side of the service whose grpc_service is typeName, its metrics' names behind prefix. */
export function sideQueries(typeName: string, side: Side, prefix: string): SideQueries {
  const defs = prefixedDefs(side === "server" ? serverMetricDefs : clientMetricDefs, prefix);
  const select = (name: string, ...extra: string[]) =>
    `${name}{${[
      `grpc_service=${JSON.stringify(typeName)}`,
      `job=~"$${variables.job}"`,
      `instance=~"$${variables.instance}"`,
      ...extra,
      `$${variables.matcher}`,
    ].join(",")}}`;
  const rate = (name: string, ...extra: string[]) => `rate(${select(name, ...extra)}[${rateInterval}])`;
  const sum = (by: string, expr: string) => (by === "" ? `sum(${expr})` : `sum by (${by}) (${expr})`);
  const notOk = 'grpc_code!="OK"';
  const started = defs.started.name;
  const handled = defs.handled.name;
  return {
    requests: (by) => sum(by, rate(started)),
    errorPercent: (by) => `100 * ${sum(by, rate(handled, notOk))} / ${sum(by, rate(handled))}`,
    errorsByMethodAndCode: () => `${sum("grpc_method, grpc_code", rate(handled, notOk))} > 0`,
    errorPercentByCode: () =>
      `100 * ${sum("grpc_code", rate(handled, notOk))} / ignoring (grpc_code) group_left () ${sum("", rate(handled))} > 0`,
    inFlight: (by) => `${sum(by, select(started))} - ${sum(by, select(handled))}`,
    latency: (q, method) => {
      const only = method === undefined ? [] : [`grpc_method=${JSON.stringify(method)}`];
      return `histogram_quantile(${q}, ${sum("le", rate(`${defs.handlingSeconds.name}_bucket`, ...only))})`;
    },
    messagesPerCall: (direction, types) => {
      const of = `grpc_type=~${JSON.stringify(types.join("|"))}`;
      const counter = direction === "received" ? defs.received.name : defs.sent.name;
      return `${sum("grpc_method", rate(counter, of))} / ${sum("grpc_method", rate(started, of))}`;
    },
  };
}
