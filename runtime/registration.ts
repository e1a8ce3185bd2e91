import { labelCode, labelMethod, labelService, labelType, type MetricDef } from "./contract.js";
import { Family } from "./family.js";
import type { MethodLabels } from "./method-table.js";
import type { MetricsRegistry } from "./registry.js";

const namePartRE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * namePrefix reads the `namespace` and `subsystem` options, as Go's
 * prometheus.Opts (and go-grpc-middleware v2's WithNamespace and
 * WithSubsystem) join them before a metric's name: "myapp_grpc_server_started_total".
 * Each must be a name Prometheus allows, without the colon it keeps for
 * recording rules; a bad one fails at construction, naming it.
 */
export function namePrefix(options: { namespace?: unknown; subsystem?: unknown }, owner: string): string {
  const parts: string[] = [];
  for (const key of ["namespace", "subsystem"] as const) {
    const v = options[key];
    if (v === undefined || v === "") continue;
    if (typeof v !== "string" || !namePartRE.test(v)) {
      throw new RangeError(
        `${owner}: ${key} ${JSON.stringify(v)} is not a valid part of a Prometheus metric name ` +
          "(letters, digits and underscores, not starting with a digit)",
      );
    }
    parts.push(v);
  }
  return parts.length === 0 ? "" : `${parts.join("_")}_`;
}

/** prefixedDefs returns the metric definitions with each name behind prefix (the definitions themselves when it is empty). */
export function prefixedDefs<D extends Record<string, MetricDef>>(defs: D, prefix: string): D {
  if (prefix === "") return defs;
  return Object.fromEntries(Object.entries(defs).map(([k, d]) => [k, { ...d, name: `${prefix}${d.name}` }])) as D;
}

/** labelNames returns the label names of a family: grpc_type, grpc_service, grpc_method, then the const ones. */
export function labelNames(constNames: readonly string[]): string[] {
  return [labelType, labelService, labelMethod, ...constNames];
}

/** CounterFamilies are the four counter families both sides have. */
export interface CounterFamilies {
  readonly started: Family;
  readonly handled: Family;
  readonly received: Family;
  readonly sent: Family;
}

/** counterFamilies makes the four counter families from their definitions. */
export function counterFamilies(
  defs: Record<keyof CounterFamilies, MetricDef>,
  labels: readonly string[],
): CounterFamilies {
  return {
    started: new Family(defs.started.name, defs.started.help, "counter", labels),
    handled: new Family(defs.handled.name, defs.handled.help, "counter", [...labels, labelCode]),
    received: new Family(defs.received.name, defs.received.help, "counter", labels),
    sent: new Family(defs.sent.name, defs.sent.help, "counter", labels),
  };
}

/**
 * registerAll registers the families, or none of them: a name already on the
 * registry fails the construction with a message saying what to do.
 */
export function registerAll(registry: MetricsRegistry, families: readonly (Family | undefined)[], who: string): void {
  if (registry === null || typeof registry !== "object" || typeof registry.registerMetric !== "function") {
    throw new TypeError(`${who}: registry must be a prom-client or @prometheus-io/client Registry`);
  }
  const all = families.filter((f): f is Family => f !== undefined);
  for (const f of all) {
    const existing = attempt(() => registry.getSingleMetric(f.name), f.name, who);
    if (existing !== undefined && existing !== null) {
      const by = defaultsOf.get(existing as object);
      throw new Error(
        by === undefined
          ? `${who}: the registry already has a metric named ${f.name}. ` +
              `Create one ${who} per registry and share it, or give each its own Registry.`
          : `${who}: the registry already has a metric named ${f.name}, registered by ${by}. ` +
              `Pass this ${who} to every wrapper and client from the first one on, or give it its own Registry.`,
      );
    }
  }
  const done: Family[] = [];
  try {
    for (const f of all) {
      attempt(() => f.register(registry), f.name, who);
      done.push(f);
    }
  } catch (err) {
    // All or nothing: a registry that failed half-way keeps none of ours.
    for (const f of done) registry.removeSingleMetric(f.name);
    throw err;
  }
}

// The families of the implicit defaults, and what made them: named when a
// later metrics object finds its names taken.
const defaultsOf = new WeakMap<object, string>();

/** markDefault notes that a metrics object is an implicit default, made by what `by` says. */
export function markDefault(owner: object, by: string): void {
  for (const f of familiesOf.get(owner)?.families ?? []) defaultsOf.set(f, by);
}

// The families each metrics object registered, for its default's rejoin.
const familiesOf = new WeakMap<object, { registry: MetricsRegistry; families: Family[] }>();

/** remember notes the families a metrics object registered on a registry, for rejoin. */
export function remember(owner: object, registry: MetricsRegistry, families: readonly (Family | undefined)[]): void {
  familiesOf.set(owner, { registry, families: families.filter((f): f is Family => f !== undefined) });
}

/**
 * rejoin puts a metrics object's families back on its registry if a
 * `registry.clear()` took them off (test set-up and hot reload do that),
 * zeroed, as a cleared registry's own metrics start again: every wrapper and
 * client made with the object then records into families the registry
 * serves again. A name some other metric has taken since fails as at
 * construction.
 */
export function rejoin(owner: object, who: string): void {
  const known = familiesOf.get(owner);
  if (known === undefined) return;
  const { registry, families } = known;
  const missing = families.filter((f) => registry.getSingleMetric(f.name) !== (f as unknown));
  if (missing.length === 0) return;
  for (const f of families) f.reset();
  registerAll(registry, missing, who);
}

/** attempt runs one registry operation, saying which metric failed if the registry throws. */
function attempt<T>(op: () => T, name: string, who: string): T {
  try {
    return op();
  } catch (err) {
    throw new Error(`${who}: the registry failed on ${name}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Records holds the record of each method of one metrics object, made on
 * first request: instrumenting a method twice, or from two servers or
 * clients, shares its series.
 */
export class Records<R> {
  private readonly byMethod = new Map<string, R>();

  constructor(private readonly create: (m: MethodLabels) => R) {}

  /** get returns the record of a method, creating it (and so its series, at zero) the first time. */
  get(m: MethodLabels): R {
    const key = `${m.grpcType}\0${m.grpcService}\0${m.grpcMethod}`;
    let record = this.byMethod.get(key);
    if (record === undefined) {
      record = this.create(m);
      this.byMethod.set(key, record);
    }
    return record;
  }
}
