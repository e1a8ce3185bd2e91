// The yardstick: what a user would write without us, go-grpc-prometheus's
// server families as plain prom-client metrics. Labelled children cached per
// method and code still hash their labels inside prom-client on every inc().
import { Counter, Histogram, type Registry } from "prom-client";
import {
  defaultBuckets,
  grpcCodeNames,
  type MethodLabels,
  type MethodTable,
  serverMetricDefs,
} from "../runtime/index.js";

/** Children are the cached labelled children of one method. */
export interface Children {
  readonly started: { inc(): void };
  readonly received: { inc(): void };
  readonly sent: { inc(): void };
  readonly handled: { inc(): void }[];
  readonly seconds: { observe(v: number): void };
}

/**
 * yardstick registers the families on registry, label names in the order
 * ours prints them (sorted, as Go does), so that the two expositions of the
 * same series are byte-identical.
 */
export function yardstick(registry: Registry) {
  const d = serverMetricDefs;
  const labelNames = ["grpc_method", "grpc_service", "grpc_type"] as const;
  const registers = [registry];
  const counter = (def: { name: string; help: string }, names: readonly string[]) =>
    new Counter({ name: def.name, help: def.help, labelNames: names, registers });
  const started = counter(d.started, labelNames);
  const handled = counter(d.handled, ["grpc_code", ...labelNames]);
  const received = counter(d.received, labelNames);
  const sent = counter(d.sent, labelNames);
  const seconds = new Histogram({
    name: d.handlingSeconds.name,
    help: d.handlingSeconds.help,
    labelNames,
    buckets: [...defaultBuckets],
    registers,
  });
  const labelsOf = (m: MethodLabels) => ({
    grpc_method: m.grpcMethod,
    grpc_service: m.grpcService,
    grpc_type: m.grpcType,
  });
  return {
    /** children returns the labelled children of a method, made once and cached by the caller. */
    children(m: MethodLabels): Children {
      const labels = labelsOf(m);
      return {
        started: started.labels(labels),
        received: received.labels(labels),
        sent: sent.labels(labels),
        handled: grpcCodeNames.map((code) => handled.labels({ grpc_code: code, ...labels })),
        seconds: seconds.labels(labels),
      };
    },
    /** zero makes every series of every method of a table, at zero, in the order ours registers them. */
    zero(table: MethodTable): void {
      for (const m of Object.values(table)) {
        const labels = labelsOf(m);
        started.labels(labels).inc(0);
        for (const code of grpcCodeNames) handled.labels({ grpc_code: code, ...labels }).inc(0);
        received.labels(labels).inc(0);
        sent.labels(labels).inc(0);
        seconds.zero(labels);
      }
    },
  };
}
