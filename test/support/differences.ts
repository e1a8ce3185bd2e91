import { key } from "./exposition.js";
import { labels, type MethodName } from "./harness.js";

/**
 * reasons says why our expositions differ from go-grpc-prometheus's where
 * they do. Every difference found on a scenario of testdata/goref must be a
 * row of `differenceTable` below, with one of these reasons.
 */
export const reasons = {
  go86: "go-grpc-prometheus #86: its client counts a unary response as received when the call fails, not when it succeeds",
  go92: "go-grpc-prometheus #92: its client never counts a successful client-streaming call as handled",
  unaryAfterClientLeft:
    "Go's server counts what a unary handler returns after its client gave up (OK, one message sent); we count what the client saw, DeadlineExceeded or Canceled, and nothing sent",
  streamAfterClientLeft:
    "Go's server counts a stream whose client gave up as Internal, grpc-go 1.33's error for a send on a closed stream; we count what the client saw, DeadlineExceeded or Canceled",
} as const;

/** Row is one expected difference: the value Go shows, ours (undefined: no such series), and why. */
export interface Row {
  readonly scenario: string;
  readonly side: "server" | "client";
  readonly series: string;
  readonly go: number | undefined;
  readonly ours: number | undefined;
  readonly reason: keyof typeof reasons;
}

function row(
  scenario: string,
  side: Row["side"],
  name: string,
  method: MethodName,
  extra: Record<string, string>,
  go: number | undefined,
  ours: number | undefined,
  reason: Row["reason"],
): Row {
  return { scenario, side, series: key(name, { ...labels(method), ...extra }), go, ours, reason };
}

const received = "grpc_client_msg_received_total";
const handled = "grpc_client_handled_total";
const serverHandled = "grpc_server_handled_total";
const ok = { grpc_code: "OK" };

/** differenceTable is every difference between goref's expositions and ours, scenario by scenario. */
export const differenceTable: readonly Row[] = [
  row("calltypes", "client", received, "PingEmpty", {}, undefined, 2, "go86"),
  row("calltypes", "client", received, "Ping", {}, undefined, 3, "go86"),
  row("calltypes", "client", handled, "PingClientStream", ok, undefined, 3, "go92"),
  row("calltypes", "client", "grpc_client_handling_seconds_count", "PingClientStream", {}, undefined, 3, "go92"),
  row(
    "calltypes",
    "client",
    "grpc_client_handling_seconds_bucket",
    "PingClientStream",
    { le: "+Inf" },
    undefined,
    3,
    "go92",
  ),

  row("codes", "client", received, "PingError", {}, 18, undefined, "go86"),

  row("endings", "server", serverHandled, "Ping", ok, 3, 1, "unaryAfterClientLeft"),
  row("endings", "server", serverHandled, "Ping", { grpc_code: "DeadlineExceeded" }, 0, 1, "unaryAfterClientLeft"),
  row("endings", "server", serverHandled, "Ping", { grpc_code: "Canceled" }, 0, 1, "unaryAfterClientLeft"),
  row("endings", "server", "grpc_server_msg_sent_total", "Ping", {}, 3, 1, "unaryAfterClientLeft"),
  row("endings", "server", serverHandled, "PingList", { grpc_code: "Internal" }, 2, 0, "streamAfterClientLeft"),
  row("endings", "server", serverHandled, "PingList", { grpc_code: "DeadlineExceeded" }, 0, 1, "streamAfterClientLeft"),
  row("endings", "server", serverHandled, "PingList", { grpc_code: "Canceled" }, 0, 1, "streamAfterClientLeft"),
  row("endings", "client", received, "PingEmpty", {}, undefined, 1, "go86"),
  row("endings", "client", received, "Ping", {}, 2, 1, "go86"),

  row("shared", "client", received, "PingEmpty", {}, undefined, 1, "go86"),
  row("shared", "client", received, "Ping", {}, undefined, 3, "go86"),
  row("shared", "client", received, "PingError", {}, 3, undefined, "go86"),
  row("shared", "client", handled, "PingClientStream", ok, undefined, 1, "go92"),
  row("shared", "client", "grpc_client_handling_seconds_count", "PingClientStream", {}, 1, 2, "go92"),
  row("shared", "client", "grpc_client_handling_seconds_bucket", "PingClientStream", { le: "+Inf" }, 1, 2, "go92"),
];

/** expected returns the rows of one scenario and side, as differences() lists them. */
export function expected(scenario: string, side: Row["side"]) {
  return differenceTable
    .filter((r) => r.scenario === scenario && r.side === side)
    .map(({ series, go, ours }) => ({ series, go, ours }))
    .sort((a, b) => (a.series < b.series ? -1 : 1));
}
