import { type DescMethod, type DescService, getOption, hasOption } from "@bufbuild/protobuf";
import type { GrpcType } from "../../runtime/contract.js";
import { PluginError } from "../errors.js";
import { grpcType } from "../names.js";
import {
  method_objectives,
  type Objectives as ObjectivesOption,
  service_objectives,
} from "./gen/protoc_gen_grpc_prom/v1/monitoring_pb.js";
import {
  defaultLatencyPercent,
  faultCodesProblem,
  latencyProblem,
  type MonitoringOptions,
  type Objectives,
  percentProblem,
} from "./options.js";

/**
 * MonitoredService is what the dashboard and the rule file of one service
 * are made from: its methods with their call types, each method's
 * objectives, and the histogram when it is on. Everything is fixed here, at
 * build time, from the service's descriptor and the plugin's options.
 */
export interface MonitoredService {
  /** typeName is the fully qualified service name, the grpc_service label: "greeter.v1.Greeter". */
  readonly typeName: string;
  /** name is the service's own name: "Greeter". */
  readonly name: string;
  /** file is the proto file that declares it: "greeter/v1/greeter.proto". */
  readonly file: string;
  readonly methods: readonly MonitoredMethod[];
  /** histogram is the handling-time histogram's bucket bounds, or undefined when it is off. */
  readonly histogram: { readonly buckets: readonly number[] } | undefined;
  /** metricPrefix goes before every metric name read: the services' `namespace` and `subsystem`, "" for none. */
  readonly metricPrefix: string;
}

/** MonitoredMethod is one method of a MonitoredService. */
export interface MonitoredMethod {
  /** name is the method's name in the .proto file, the grpc_method label. */
  readonly name: string;
  readonly grpcType: GrpcType;
  /** objectives are the method's, or undefined when its service or itself disabled them. */
  readonly objectives: Objectives | undefined;
}

/**
 * monitoredService resolves a service's model: each method's objectives are
 * the plugin's, overridden by the service's `service_objectives` option, then
 * by the method's `method_objectives`. A bad objective in an option fails the
 * run, naming the file, the service or method and the field. Objectives
 * are read only for the rule files: without rules=true, the options in the
 * protos (which other builds of the same protos share) are left unread, and
 * no method has objectives.
 */
export function monitoredService(service: DescService, options: MonitoringOptions): MonitoredService {
  const where = `${service.file.proto.name}: service ${service.typeName}`;
  if (!options.rules) {
    return {
      typeName: service.typeName,
      name: service.name,
      file: service.file.proto.name,
      methods: service.methods.map((m) => ({ name: m.name, grpcType: grpcType(m), objectives: undefined })),
      histogram: options.histogram,
      metricPrefix: options.metricPrefix,
    };
  }
  const ofService = objectivesOption(service, service_objectives);
  const base = ofService === undefined ? options.objectives : merged(options.objectives, ofService, options, where);
  const serviceDisabled = ofService?.disabled === true;
  const methods = service.methods.map((m): MonitoredMethod => {
    const ofMethod = objectivesOption(m, method_objectives);
    if (grpcType(m) !== "unary" && (ofMethod?.latencySeconds !== undefined || ofMethod?.latencyPercent !== undefined)) {
      // The rule files alert on the latency of unary methods only (rules.ts).
      throw new PluginError(
        `${where}, method ${m.name}: option latency_seconds is for unary methods: a ${grpcType(m)} method's handling time is how long its stream stays open`,
      );
    }
    const disabled = ofMethod === undefined ? serviceDisabled : ofMethod.disabled;
    const objectives = ofMethod === undefined ? base : merged(base, ofMethod, options, `${where}, method ${m.name}`);
    return { name: m.name, grpcType: grpcType(m), objectives: disabled ? undefined : objectives };
  });
  return {
    typeName: service.typeName,
    name: service.name,
    file: service.file.proto.name,
    methods,
    histogram: options.histogram,
    metricPrefix: options.metricPrefix,
  };
}

function objectivesOption(
  element: DescService | DescMethod,
  ext: typeof service_objectives | typeof method_objectives,
): ObjectivesOption | undefined {
  if (element.kind === "service") {
    return hasOption(element, ext as typeof service_objectives)
      ? getOption(element, ext as typeof service_objectives)
      : undefined;
  }
  return hasOption(element, ext as typeof method_objectives)
    ? getOption(element, ext as typeof method_objectives)
    : undefined;
}

/** merged applies the fields an option sets over the objectives it overrides, checking each. */
function merged(over: Objectives, o: ObjectivesOption, options: MonitoringOptions, where: string): Objectives {
  const fail = (field: string, why: string) => new PluginError(`${where}: option ${field} ${why}`);
  if (o.availability !== undefined) {
    const why = percentProblem(o.availability);
    if (why !== undefined) throw fail("availability", why);
  }
  if (o.latencyPercent !== undefined) {
    const why = percentProblem(o.latencyPercent);
    if (why !== undefined) throw fail("latency_percent", why);
  }
  let latency = over.latency;
  if (o.latencySeconds !== undefined) {
    if (options.histogram === undefined) {
      throw fail("latency_seconds", "needs the handling-time histogram: plugin option histogram=true");
    }
    const why = latencyProblem(o.latencySeconds, options.histogram.buckets);
    if (why !== undefined) throw fail("latency_seconds", why);
    latency = { seconds: o.latencySeconds, percent: o.latencyPercent ?? latency?.percent ?? defaultPercent(options) };
  } else if (o.latencyPercent !== undefined) {
    if (latency === undefined)
      throw fail("latency_percent", "needs latency_seconds, here or in the plugin option slo_latency");
    latency = { ...latency, percent: o.latencyPercent };
  }
  if (o.faultCodes.length > 0) {
    const why = faultCodesProblem(o.faultCodes);
    if (why !== undefined) throw fail("fault_codes", why);
  }
  return {
    availability: o.availability ?? over.availability,
    latency,
    faultCodes: o.faultCodes.length > 0 ? [...o.faultCodes] : over.faultCodes,
  };
}

function defaultPercent(options: MonitoringOptions): number {
  return options.objectives.latency?.percent ?? defaultLatencyPercent;
}
