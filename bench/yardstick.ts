// The yardstick: what a user would write without us, the straightforward
// prom-client code with labelled children cached per method and code. Each
// inc() or observe() on a child still hashes its labels inside prom-client.
import { Counter, Histogram, type Registry } from "prom-client";
import { defaultBuckets, grpcCodeNames, type MethodLabels, serverMetricDefs } from "../runtime/index.js";

/** Children are the cached labelled children of one method. */
export interface Children {
  readonly started: { inc(): void };
  readonly received: { inc(): void };
  readonly sent: { inc(): void };
  readonly handled: { inc(): void }[];
  readonly seconds: { observe(v: number): void };
}

/** yardstick registers go-grpc-prometheus's server families as plain prom-client metrics. */
export function yardstick(registry: Registry) {
  const labelNames = ["grpc_type", "grpc_service", "grpc_method"] as const;
  const d = serverMetricDefs;
  const registers = [registry];
  const started = new Counter({ name: d.started.name, help: d.started.help, labelNames, registers });
  const handled = new Counter({
    name: d.handled.name,
    help: d.handled.help,
    labelNames: [...labelNames, "grpc_code"],
    registers,
  });
  const received = new Counter({ name: d.received.name, help: d.received.help, labelNames, registers });
  const sent = new Counter({ name: d.sent.name, help: d.sent.help, labelNames, registers });
  const seconds = new Histogram({
    name: d.handlingSeconds.name,
    help: d.handlingSeconds.help,
    labelNames,
    buckets: [...defaultBuckets],
    registers,
  });
  return {
    /** children returns the labelled children of a method, made once and cached by the caller. */
    children(m: MethodLabels): Children {
      const l = [m.grpcType, m.grpcService, m.grpcMethod] as const;
      return {
        started: started.labels(...l),
        received: received.labels(...l),
        sent: sent.labels(...l),
        handled: grpcCodeNames.map((code) => handled.labels(...l, code)),
        seconds: seconds.labels(...l),
      };
    },
  };
}
