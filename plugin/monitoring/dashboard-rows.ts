import type { GrpcType } from "../../runtime/contract.js";
import { type Side, sideQueries } from "./dashboard-queries.js";
import type { MonitoredService } from "./model.js";

/** TargetSpec is one query of a panel and the legend of its series (Grafana's `{{label}}` form). */
export interface TargetSpec {
  readonly expr: string;
  readonly legend: string;
}

/** PanelSpec is what one panel shows: its kind, words, unit, size on the 24-column grid, and queries. */
export interface PanelSpec {
  readonly kind: "stat" | "timeseries";
  readonly title: string;
  readonly description: string;
  /** unit is Grafana's unit id: "reqps", "percent", "s", "short". */
  readonly unit: string;
  readonly width: number;
  readonly height: number;
  readonly targets: readonly TargetSpec[];
}

/** RowSpec is a row of the dashboard and its panels. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly PanelSpec[];
}

/** quantiles are the latency quantiles every latency panel draws. */
export const quantiles = [0.5, 0.9, 0.99] as const;

const percentile = (q: number) => `p${Math.round(q * 100)}`;

/** whose says who records each side, as every panel of the side says. */
const whose = (side: Side, prefix: string) =>
  side === "server"
    ? `as the service's instrumented servers record it (${prefix}grpc_server_*)`
    : `as the instrumented clients calling the service record it (${prefix}grpc_client_*): the jobs of its callers, not its own`;

/**
 * sideRows are the rows of one side of the service: requests (always), the
 * latency of each method (with the histogram only) and messages per call
 * (only for the streaming methods, and only when there are some).
 */
export function sideRows(service: MonitoredService, side: Side): RowSpec[] {
  const q = sideQueries(service.typeName, side, service.metricPrefix);
  const Side = side === "server" ? "Server" : "Client";
  const of = whose(side, service.metricPrefix);
  // What the panel shows, who records it, then what a reader might misread, if anything.
  const text = (what: string, note: string | undefined) => `${what}, ${of}.${note === undefined ? "" : ` ${note}`}`;
  const stat = (title: string, what: string, unit: string, expr: string, note?: string): PanelSpec => ({
    kind: "stat",
    title,
    description: text(what, note),
    unit,
    width: service.histogram === undefined ? 8 : 6,
    height: 4,
    targets: [{ expr, legend: "" }],
  });
  const series = (
    title: string,
    what: string,
    unit: string,
    targets: TargetSpec[],
    more: { note?: string; width?: number } = {},
  ): PanelSpec => ({
    kind: "timeseries",
    title,
    description: text(what, more.note),
    unit,
    width: more.width ?? 12,
    height: 8,
    targets,
  });
  const byMethod = (expr: string) => [{ expr, legend: "{{grpc_method}}" }];
  const onlyOccurred = "A code that did not occur in the window has no series.";
  const lifetime = "A stream's handling time is its whole life.";

  const requests: PanelSpec[] = [
    stat("Requests/s", "Calls started per second, every method together", "reqps", q.requests("")),
    stat(
      "Error %",
      "Calls handled with a code other than OK, in percent of all calls handled",
      "percent",
      q.errorPercent(""),
    ),
    stat("In flight", "Calls started and not yet handled (started minus handled)", "short", q.inFlight("")),
    ...(service.histogram === undefined
      ? []
      : [
          stat(
            "p99 latency",
            "The 99th percentile of the handling time, every method together",
            "s",
            q.latency(0.99),
            lifetime,
          ),
        ]),
    series(
      "Request rate by method",
      "Calls started per second, per method",
      "reqps",
      byMethod(q.requests("grpc_method")),
    ),
    series(
      "Errors by method and code",
      "Calls handled per second with each code other than OK, per method",
      "reqps",
      [{ expr: q.errorsByMethodAndCode(), legend: "{{grpc_method}} {{grpc_code}}" }],
      { note: onlyOccurred },
    ),
    series(
      "Error % by code",
      "Calls handled with each code other than OK, in percent of all the service's calls handled",
      "percent",
      [{ expr: q.errorPercentByCode(), legend: "{{grpc_code}}" }],
      { note: onlyOccurred },
    ),
    series(
      "Error % by method",
      "Calls handled with a code other than OK, in percent of the method's calls handled",
      "percent",
      byMethod(q.errorPercent("grpc_method")),
    ),
    series(
      "In flight by method",
      "Calls started and not yet handled, per method",
      "short",
      byMethod(q.inFlight("grpc_method")),
      { note: "For a streaming method, the streams open." },
    ),
  ];
  const rows: RowSpec[] = [{ title: `${Side}: requests and errors`, panels: requests }];

  if (service.histogram !== undefined && service.methods.length > 0) {
    const latency = service.methods.map((m) =>
      series(
        `${m.name} latency`,
        `The 50th, 90th and 99th percentiles of the handling time of ${m.name} (${m.grpcType}), from its start to its status, interpolated within the histogram's buckets`,
        "s",
        quantiles.map((p) => ({ expr: q.latency(p, m.name), legend: percentile(p) })),
        { width: 8, ...(m.grpcType === "unary" ? {} : { note: lifetime }) },
      ),
    );
    rows.push({ title: `${Side}: latency by method`, panels: latency });
  }

  // The side's own stream is what it sends; the other side's, what it receives.
  const present = (types: readonly GrpcType[]) => types.filter((t) => service.methods.some((m) => m.grpcType === t));
  const clientStreams = present(["client_stream", "bidi_stream"]);
  const serverStreams = present(["server_stream", "bidi_stream"]);
  const messages: PanelSpec[] = [];
  const perCall = (direction: "received" | "sent", types: GrpcType[], whose: string) => {
    if (types.length === 0) return;
    messages.push(
      series(
        `Messages ${direction} per call`,
        `Stream messages ${direction} per call started, per method with a ${whose} stream (${types.join(", ")})`,
        "short",
        byMethod(q.messagesPerCall(direction, types)),
      ),
    );
  };
  if (side === "server") {
    perCall("received", clientStreams, "client");
    perCall("sent", serverStreams, "server");
  } else {
    perCall("sent", clientStreams, "client");
    perCall("received", serverStreams, "server");
  }
  if (messages.length > 0) rows.push({ title: `${Side}: stream messages per call`, panels: messages });
  return rows;
}
