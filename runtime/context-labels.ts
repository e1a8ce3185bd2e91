import type { CallOptions, Metadata } from "@grpc/grpc-js";
import { labelCode, labelMethod, labelService, labelType } from "./contract.js";
import type { Labels } from "./family.js";
import { reportFault } from "./fault.js";
import { sortedLabels } from "./labels.js";
import type { MethodRecord } from "./method-record.js";

/** ContextCall is what a context label function is given of one call. */
export interface ContextCall {
  /** path is the method's `/package.Service/Method`. */
  readonly path: string;
  /** metadata is the call's: on the server, the request metadata; on the client, the metadata it is made with. */
  readonly metadata: Metadata | undefined;
  /**
   * callOptions are, on the client, the options the call is made with: its
   * deadline, and its `parent` when it is made on behalf of a server call,
   * whose request metadata then says who the call is for. Undefined on the
   * server.
   */
  readonly callOptions?: CallOptions;
}

/**
 * ContextLabelsOption is the `contextLabels` option (go-grpc-middleware v2's
 * WithContextLabels and WithLabelsFromContext): extra label names, each
 * with a bound on its distinct values per method, and the function that
 * gives a call's values. Request data is untrusted: past a label's bound, a
 * new value is counted as `overflowValue`.
 */
export interface ContextLabelsOption {
  /** labels names each label and its bound: `{ tenant: { maxValues: 20 } }`. */
  readonly labels: Readonly<Record<string, { readonly maxValues: number }>>;
  /** fromCall returns a call's values; a label it leaves out, or a value that is no string, is "". */
  readonly fromCall: (call: ContextCall) => Readonly<Record<string, string | undefined>> | undefined;
}

/** overflowValue is the value a context label takes past its bound. */
export const overflowValue = "__overflow__";

const labelNameRE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const reserved = new Set([labelType, labelService, labelMethod, labelCode, "le"]);

/** ContextLabels is the checked option: the names in order, their bounds, the function. */
export interface ContextLabels {
  readonly names: readonly string[];
  readonly bounds: readonly number[];
  readonly fromCall: ContextLabelsOption["fromCall"];
}

/** contextLabels checks the option at construction, naming what is wrong; undefined when it is not given. */
export function contextLabels(
  option: unknown,
  owner: string,
  constNames: readonly string[],
): ContextLabels | undefined {
  if (option === undefined) return undefined;
  const o = option as Partial<ContextLabelsOption>;
  if (o === null || typeof o !== "object" || typeof o.labels !== "object" || o.labels === null) {
    throw new TypeError(`${owner}: contextLabels must be { labels: { NAME: { maxValues } }, fromCall }`);
  }
  if (typeof o.fromCall !== "function") throw new TypeError(`${owner}: contextLabels.fromCall must be a function`);
  const names = Object.keys(o.labels);
  if (names.length === 0) throw new RangeError(`${owner}: contextLabels.labels names no label`);
  const bounds = names.map((name) => {
    if (!labelNameRE.test(name) || name.startsWith("__")) {
      throw new RangeError(`${owner}: contextLabels: "${name}" is not a valid Prometheus label name`);
    }
    if (reserved.has(name) || constNames.includes(name)) {
      throw new RangeError(`${owner}: contextLabels: "${name}" is already a label of the metrics`);
    }
    const max = (o.labels as Record<string, { maxValues?: unknown } | undefined>)[name]?.maxValues;
    if (typeof max !== "number" || !Number.isInteger(max) || max < 1) {
      throw new RangeError(`${owner}: contextLabels: the maxValues of "${name}" must be an integer of at least 1`);
    }
    return max;
  });
  return { names, bounds, fromCall: o.fromCall };
}

/**
 * recordWithVariants makes a method's record with `make` (given its context
 * label values): without context labels, the one record; with them, the
 * pre-registered one (every value ""), which holds the others in `context`.
 */
export function recordWithVariants<R extends MethodRecord>(
  context: ContextLabels | undefined,
  make: (values: Labels) => R,
): R {
  if (context === undefined) return make({});
  const base = make(Object.fromEntries(context.names.map((n) => [n, ""])));
  base.context = new ContextVariants<MethodRecord>(context, base, make);
  return base;
}

/**
 * ContextVariants holds a method's records per context label values: the
 * pre-registered one (every value "") and those made as values first come,
 * each label's distinct values bounded. It never throws: a failing function
 * counts as every value "", reported once.
 */
export class ContextVariants<R> {
  private readonly variants = new Map<string, R>();
  private readonly seen: Set<string>[];

  constructor(
    private readonly context: ContextLabels,
    readonly base: R,
    private readonly make: (values: Labels) => R,
  ) {
    this.seen = context.names.map(() => new Set<string>());
    this.variants.set(keyOf(context.names.map(() => "")), base);
  }

  /** of returns the record for a call's values, making it the first time they come. */
  of(call: ContextCall): R {
    const { names, bounds } = this.context;
    let given: Readonly<Record<string, unknown>> | undefined;
    try {
      given = this.context.fromCall(call) ?? undefined;
    } catch (err) {
      reportFault(err);
      return this.base;
    }
    const values = names.map((name, i) => {
      const v = given?.[name];
      if (typeof v !== "string" || v === "") return "";
      const seen = this.seen[i]!;
      if (seen.has(v)) return v;
      if (seen.size >= bounds[i]!) return overflowValue;
      seen.add(v);
      return v;
    });
    const key = keyOf(values);
    let r = this.variants.get(key);
    if (r === undefined) {
      r = this.make(sortedLabels(Object.fromEntries(names.map((n, i) => [n, values[i]!]))));
      this.variants.set(key, r);
    }
    return r;
  }
}

function keyOf(values: readonly string[]): string {
  return values.join("\0");
}
