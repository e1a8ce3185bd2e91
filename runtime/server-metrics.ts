import { register as globalRegister, type Registry } from "prom-client";
import { defaultBuckets, labelCode, labelMethod, labelService, labelType, serverMetricDefs } from "./contract.js";
import { Family, type Labels } from "./family.js";
import { checkBuckets } from "./histogram.js";
import { checkConstLabels, methodLabels } from "./labels.js";
import { type HistogramShape, histogramShape, MethodRecord, type RecordFamilies } from "./method-record.js";
import type { MethodLabels } from "./method-table.js";
import { checkKeys } from "./options.js";

/** HistogramOptions configures an opt-in histogram. */
export interface HistogramOptions {
  /** buckets are the upper bounds in seconds, strictly increasing; default .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10. */
  readonly buckets?: readonly number[];
}

/** ServerHistogramOptions configures grpc_server_handling_seconds. */
export interface ServerHistogramOptions extends HistogramOptions {
  /**
   * withGrpcCode adds the grpc_code label to the histogram, as the example
   * exposition in go-grpc-prometheus's README shows it (the Go library itself
   * has no such label; leave it off to match it).
   */
  readonly withGrpcCode?: boolean;
}

/** ServerMetricsOptions configures a ServerMetrics. */
export interface ServerMetricsOptions {
  /** registry receives the metric families; default: prom-client's global `register`. */
  readonly registry?: Registry;
  /** handlingTimeHistogram enables grpc_server_handling_seconds (off by default, as in Go). */
  readonly handlingTimeHistogram?: boolean | ServerHistogramOptions;
  /** constLabels are added to every series, as Go's ConstLabels. */
  readonly constLabels?: Readonly<Record<string, string>>;
}

const owner = "ServerMetrics";
const optionKeys = ["registry", "handlingTimeHistogram", "constLabels"] as const;
const histogramKeys = ["buckets", "withGrpcCode"] as const;
const baseLabels = [labelType, labelService, labelMethod];

/**
 * ServerMetrics holds the grpc_server_* metrics of go-grpc-prometheus on one
 * prom-client Registry. Pass one instance to every instrumentXServer() call
 * that should report to that registry.
 */
export class ServerMetrics {
  /** registry is where the metric families are registered. */
  readonly registry: Registry;
  private readonly families: RecordFamilies;
  private readonly constLabels: Labels;
  private readonly latency: { shape: HistogramShape; withGrpcCode: boolean } | undefined;
  private readonly records = new Map<string, MethodRecord>();

  constructor(options: ServerMetricsOptions = {}) {
    checkKeys(options, optionKeys, owner);
    this.registry = options.registry ?? globalRegister;
    this.constLabels = checkConstLabels(options.constLabels, owner);
    const constNames = Object.keys(this.constLabels);
    const labels = [...baseLabels, ...constNames];
    const histogram = options.handlingTimeHistogram;
    let handlingSeconds: Family | undefined;
    if (histogram !== undefined && histogram !== false) {
      const h = histogram === true ? {} : histogram;
      checkKeys(h, histogramKeys, `${owner} handlingTimeHistogram`);
      const bounds = checkBuckets(h.buckets ?? defaultBuckets, `${owner} handlingTimeHistogram`);
      const withGrpcCode = h.withGrpcCode === true;
      const def = serverMetricDefs.handlingSeconds;
      handlingSeconds = new Family(def.name, def.help, "histogram", withGrpcCode ? [...labels, labelCode] : labels);
      this.latency = { shape: histogramShape(def.name, bounds), withGrpcCode };
    }
    const d = serverMetricDefs;
    this.families = {
      started: new Family(d.started.name, d.started.help, "counter", labels),
      handled: new Family(d.handled.name, d.handled.help, "counter", [...labels, labelCode]),
      received: new Family(d.received.name, d.received.help, "counter", labels),
      sent: new Family(d.sent.name, d.sent.help, "counter", labels),
      handlingSeconds,
    };
    registerAll(this.registry, this.families, owner);
  }

  /**
   * method returns the record of one method, first adding its series (every
   * code, the histogram when enabled) at zero. instrumentServer calls it once
   * per method when it wraps an implementation; calls never look it up.
   */
  method(m: MethodLabels): MethodRecord {
    const key = `${m.grpcType}\0${m.grpcService}\0${m.grpcMethod}`;
    let record = this.records.get(key);
    if (record === undefined) {
      record = new MethodRecord(methodLabels(m, this.constLabels), this.families, this.latency);
      this.records.set(key, record);
    }
    return record;
  }
}

/**
 * registerAll registers the families, or none of them: a name already on the
 * registry fails the construction with a message saying what to do.
 */
export function registerAll(registry: Registry, families: RecordFamilies, who: string): void {
  if (registry === null || typeof registry !== "object" || typeof registry.registerMetric !== "function") {
    throw new TypeError(`${who}: registry must be a prom-client Registry`);
  }
  const all = Object.values(families).filter((f): f is Family => f !== undefined);
  for (const f of all) {
    if (registry.getSingleMetric(f.name) !== undefined) {
      throw new Error(
        `${who}: the registry already has a metric named ${f.name}. ` +
          `Create one ${who} per registry and share it, or give each its own Registry.`,
      );
    }
  }
  for (const f of all) f.register(registry);
}

let defaultServer: ServerMetrics | undefined;

/**
 * defaultServerMetrics returns the ServerMetrics on prom-client's global
 * `register` that instrumentXServer() uses when given none, creating it on
 * first use: importing this package registers nothing.
 */
export function defaultServerMetrics(): ServerMetrics {
  defaultServer ??= new ServerMetrics();
  return defaultServer;
}
