import type { CallOptions, Metadata } from "@grpc/grpc-js";
import type { Labels } from "./family.js";
import { reportFault } from "./fault.js";
import { loadOptionalPeer } from "./optional-peer.js";

/** ExemplarCall is what an exemplar function is given of one call. */
export interface ExemplarCall {
  /** path is the method's `/package.Service/Method`. */
  readonly path: string;
  /**
   * metadata is the call's: on the server, the request metadata the client
   * sent (an InstrumentedServer passes it once it has arrived); on the
   * client, the metadata the call is made with.
   */
  readonly metadata: Metadata | undefined;
  /** callOptions are, on the client, the options the call is made with (its deadline, its parent server call); undefined on the server. */
  readonly callOptions?: CallOptions;
}

/** ExemplarLabels returns the labels of a call's exemplar (e.g. its trace id), or undefined for none. */
export type ExemplarLabels = (call: ExemplarCall) => Readonly<Record<string, string>> | undefined;

/**
 * ExemplarsOption is the `exemplars` option: `true` takes the trace id and
 * span id of the OpenTelemetry span active as the call starts
 * (`@opentelemetry/api`, an optional peer, loaded only then); a function
 * gives the labels itself.
 */
export type ExemplarsOption = boolean | ExemplarLabels;

/** Exemplar is one exemplar as prom-client's Registry renders it in OpenMetrics. */
export interface Exemplar {
  readonly labelSet: Labels;
  readonly value: number;
  /** timestamp is in seconds since the epoch. */
  readonly timestamp: number;
}

/** exemplarOf makes the exemplar of one observation, stamped with timestamp (seconds since the epoch). */
export function exemplarOf(labelSet: Labels, value: number, timestamp: number): Exemplar {
  return { labelSet, value, timestamp };
}

/** ExemplarSource returns a call's exemplar labels; it never throws. */
export type ExemplarSource = (call: ExemplarCall) => Labels | undefined;

// OpenMetrics bounds an exemplar's label set: names and values together, at most 128 characters.
const maxExemplarChars = 128;
const labelNameRE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * exemplarSource reads the option at construction: undefined when off (the
 * calls then pay nothing for exemplars), else a function that gives a
 * call's labels and never throws. `true` without @opentelemetry/api fails
 * here, saying so.
 */
export function exemplarSource(option: unknown, owner: string): ExemplarSource | undefined {
  if (option === undefined || option === false) return undefined;
  const labelsOf = option === true ? activeSpanLabels(owner) : option;
  if (typeof labelsOf !== "function") {
    throw new TypeError(`${owner}: exemplars must be true, false or a function of the call returning labels`);
  }
  return (call) => {
    try {
      const labels = (labelsOf as ExemplarLabels)(call);
      return labels === undefined ? undefined : checked(labels);
    } catch (err) {
      reportFault(err);
      return undefined;
    }
  };
}

// Label names already checked: a function gives the same few names call after call.
const goodNames = new Set<string>();

/**
 * checked returns labels fit for an exemplar, or undefined (reported) for
 * labels that are not. It runs on every call with exemplars on, so it
 * checks each name once and copies nothing: the labels are only read, at
 * scrape time.
 */
function checked(labels: Readonly<Record<string, string>>): Labels | undefined {
  let chars = 0;
  for (const name in labels) {
    const value = labels[name];
    if (typeof value !== "string" || !(goodNames.has(name) || goodName(name))) {
      reportFault(new Error(`an exemplar label ${JSON.stringify(name)} is not a label name with a string value`));
      return undefined;
    }
    chars += name.length + value.length;
  }
  if (chars > maxExemplarChars) {
    reportFault(new Error(`an exemplar's labels are over OpenMetrics' ${maxExemplarChars} characters; it is dropped`));
    return undefined;
  }
  return labels;
}

function goodName(name: string): boolean {
  if (!labelNameRE.test(name)) return false;
  if (goodNames.size < 1024) goodNames.add(name);
  return true;
}

/** OtelApi is the part of @opentelemetry/api read here. */
interface OtelApi {
  trace: { getActiveSpan(): { spanContext(): { traceId: string; spanId: string; traceFlags: number } } | undefined };
  isSpanContextValid(ctx: { traceId: string; spanId: string }): boolean;
}

/**
 * activeSpanLabels loads @opentelemetry/api, an optional peer, only when
 * asked for (see loadOptionalPeer): the API keeps its state on a
 * process-wide global, so the copy an application set up is the one read.
 */
function activeSpanLabels(owner: string): ExemplarLabels {
  const api = loadOtel();
  if (api === undefined) {
    throw new Error(
      `${owner}: exemplars: true takes the trace of the active OpenTelemetry span, and @opentelemetry/api ` +
        "is not installed: npm install @opentelemetry/api (or pass a function of the call returning labels)",
    );
  }
  return () => {
    const ctx = api.trace.getActiveSpan()?.spanContext();
    if (ctx === undefined || !api.isSpanContextValid(ctx)) return undefined;
    return { trace_id: ctx.traceId, span_id: ctx.spanId };
  };
}

function loadOtel(): OtelApi | undefined {
  return loadOptionalPeer<OtelApi>("@opentelemetry/api");
}
