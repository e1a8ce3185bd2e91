// Measure 1: the metric work of one call, in process, without the network:
// ours (a CallReporter on a preallocated MethodRecord) against the
// yardstick a user would otherwise write, prom-client's labelled children.
import { createRequire } from "node:module";
import { Registry } from "prom-client";
import { alternate, type Figure, figure, spread } from "./figures.js";
import { yardstick } from "./yardstick.js";

const method = { grpcService: "bench.v1.Bench", grpcMethod: "Call", grpcType: "unary" } as const;
const stream = { grpcService: "bench.v1.Bench", grpcMethod: "List", grpcType: "server_stream" } as const;

// The runtime as it ships (dist/, built by `npm run bench`): loaded from
// source through tsx, every named closure would carry a __name() call the
// published code does not have.
const require = createRequire(import.meta.url);
const { CallReporter } = require("../dist/runtime/call-reporter.js") as typeof import("../runtime/call-reporter.js");
const { clock } = require("../dist/runtime/clock.js") as typeof import("../runtime/clock.js");
const { ServerMetrics } = require("../dist/runtime/index.js") as typeof import("../runtime/index.js");

/** timeLoop runs body n times and returns ns per run. */
function timeLoop(n: number, body: () => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) body();
  return Number(process.hrtime.bigint() - start) / n;
}

/** runBookkeeping measures the metric work of a unary call and of a 20-message stream, ours against the yardstick. */
export async function runBookkeeping(options: { rounds: number; quick: boolean }): Promise<Figure[]> {
  const n = options.quick ? 50_000 : 1_000_000;
  const ours = new ServerMetrics({ registry: new Registry(), handlingTimeHistogram: true });
  const unaryRecord = ours.method(method);
  const streamRecord = ours.method(stream);
  const theirs = yardstick(new Registry());
  const unaryChildren = theirs.children(method);
  const streamChildren = theirs.children(stream);

  const oursUnary = () => {
    const r = new CallReporter(unaryRecord);
    r.receivedMessage();
    r.sentMessage();
    r.handled(0);
  };
  const oursStream = () => {
    const r = new CallReporter(streamRecord);
    r.receivedMessage();
    for (let i = 0; i < 20; i++) r.sentMessage();
    r.handled(0);
  };
  const theirUnary = () => {
    const t0 = clock();
    unaryChildren.started.inc();
    unaryChildren.received.inc();
    unaryChildren.sent.inc();
    unaryChildren.handled[0]!.inc();
    unaryChildren.seconds.observe((clock() - t0) / 1000);
  };
  const theirStream = () => {
    const t0 = clock();
    streamChildren.started.inc();
    streamChildren.received.inc();
    for (let i = 0; i < 20; i++) streamChildren.sent.inc();
    streamChildren.handled[0]!.inc();
    streamChildren.seconds.observe((clock() - t0) / 1000);
  };
  // The yardstick reads the same clock as ours, so that the two differ only in the metric work.
  // Warm both up to their optimised code before the first measured round.
  for (const f of [oursUnary, oursStream, theirUnary, theirStream]) timeLoop(n / 10, f);

  // The same call's work without the histogram (Go's default), and one clock read alone: the
  // histogram needs two, and on some machines a clock read is most of the cost.
  const plainRecord = new ServerMetrics({ registry: new Registry() }).method(method);
  const oursNoHistogram = () => {
    const r = new CallReporter(plainRecord);
    r.receivedMessage();
    r.sentMessage();
    r.handled(0);
  };
  let sink = 0;
  const clockRead = () => {
    sink += clock();
  };
  // The same call with exemplars on: a function giving the labels (as the OpenTelemetry lookup
  // does, one object per call) at the start, an exemplar stored on handled and on the bucket.
  const exemplarRecord = new ServerMetrics({
    registry: new Registry(),
    handlingTimeHistogram: true,
    exemplars: () => ({ trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "00f067aa0ba902b7" }),
  }).method(method);
  const oursExemplars = () => {
    const r = new CallReporter(
      exemplarRecord,
      exemplarRecord.exemplars!({ path: exemplarRecord.path, metadata: undefined }),
    );
    r.receivedMessage();
    r.sentMessage();
    r.handled(0);
  };
  for (const f of [oursNoHistogram, clockRead, oursExemplars]) timeLoop(n / 10, f);

  const samples = await alternate(options.rounds, {
    "ours unary": () => timeLoop(n, oursUnary),
    "ours unary, no histogram": () => timeLoop(n, oursNoHistogram),
    "ours unary, exemplars": () => timeLoop(n, oursExemplars),
    "clock read": () => timeLoop(n, clockRead),
    "yardstick unary": () => timeLoop(n, theirUnary),
    "ours stream": () => timeLoop(n / 10, oursStream),
    "yardstick stream": () => timeLoop(n / 10, theirStream),
  });
  if (sink === 0) throw new Error("the clock never moved");
  const out: Figure[] = [
    figure("bookkeeping: unary call", "ours, histogram off", "ns/call", spread(samples["ours unary, no histogram"])),
    figure("bookkeeping: one clock read", "this machine's clock", "ns/read", spread(samples["clock read"])),
  ];
  for (const kind of ["unary", "stream"] as const) {
    const measure = kind === "unary" ? "bookkeeping: unary call" : "bookkeeping: 20-message stream";
    const y = spread(samples[`yardstick ${kind}`]);
    const o = spread(samples[`ours ${kind}`]);
    const ref = { name: "prom-client children", spread: y };
    out.push(figure(measure, "prom-client children", "ns/call", y));
    const target =
      kind === "unary"
        ? { text: "≤ 1/10 of the yardstick and < 150 ns", met: o.median / y.median <= 0.1 && o.median < 150 }
        : { text: "≤ 1/10 of the yardstick", met: o.median / y.median <= 0.1 };
    out.push(figure(measure, "ours", "ns/call", o, ref, target));
    if (kind === "unary") {
      const e = spread(samples["ours unary, exemplars"]);
      out.push(figure(measure, "ours, exemplars on", "ns/call", e, { name: "ours", spread: o }));
    }
  }
  return out;
}
