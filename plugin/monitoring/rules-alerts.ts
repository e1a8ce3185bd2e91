import type { MonitoredService } from "./model.js";
import { groupedBy, hasLatencyObjective, ofMethods, selector } from "./rules-promql.js";
import {
  type BurnWindow,
  burnWindows,
  daysText,
  decimal,
  errorBudget,
  percentText,
  type RecordedMetric,
  recordName,
  sloPeriodDays,
} from "./slo.js";

/** AlertRule is one rule of the alerts group. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string };
}

/** availabilityAlertName fires when calls end with fault codes faster than an availability objective allows. */
export const availabilityAlertName = "GrpcServerErrorBudgetBurn";
/** latencyAlertName fires when calls are slower than a latency objective's bound faster than it allows. */
export const latencyAlertName = "GrpcServerLatencyBudgetBurn";

/**
 * availabilityAlerts are the four burn-rate alerts of each availability
 * objective, over the share of calls that ended with one of its fault codes.
 * Methods sharing an objective share its rules; each fires per method.
 */
export function availabilityAlerts(service: MonitoredService): AlertRule[] {
  const objectives = groupedBy(service.methods, (m) =>
    m.objectives === undefined ? undefined : { percent: m.objectives.availability, codes: m.objectives.faultCodes },
  );
  return objectives.flatMap(({ key, methods }) =>
    burnWindows.map((b) =>
      alert(service, methods, b, {
        name: availabilityAlertName,
        slo: "availability",
        metric: "grpc_server_faults",
        percent: key.percent,
        objective: `${key.percent}% availability objective`,
        what: `ended with a fault code (${key.codes.join(", ")})`,
      }),
    ),
  );
}

/**
 * latencyAlerts are the four burn-rate alerts of each latency objective,
 * over the share of calls slower than its bound.
 */
export function latencyAlerts(service: MonitoredService): AlertRule[] {
  const objectives = groupedBy(service.methods, (m) => (hasLatencyObjective(m) ? m.objectives?.latency : undefined));
  return objectives.flatMap(({ key, methods }) =>
    burnWindows.map((b) =>
      alert(service, methods, b, {
        name: latencyAlertName,
        slo: "latency",
        metric: "grpc_server_slow",
        percent: key.percent,
        objective: `latency objective of ${key.percent}% of calls within ${key.seconds}s`,
        what: `took longer than ${key.seconds}s`,
      }),
    ),
  );
}

interface Objective {
  readonly name: string;
  readonly slo: string;
  readonly metric: RecordedMetric;
  readonly percent: number;
  /** objective names it in a sentence; what says what a bad call did. */
  readonly objective: string;
  readonly what: string;
}

function alert(service: MonitoredService, methods: readonly string[], b: BurnWindow, o: Objective): AlertRule {
  const budget = errorBudget(o.percent);
  const of = selector(ofMethods(service, methods));
  // The long window comes first, so that $value is its ratio. A window with no
  // calls has no ratio (the recording rules divide only by a rate above zero),
  // so a cold start or an idle method never fires.
  const expr = [
    `${recordName(o.metric, b.long)}${of} > (${b.factor} * ${budget})`,
    "and",
    `${recordName(o.metric, b.short)}${of} > (${b.factor} * ${budget})`,
  ].join("\n");
  const method = `${service.typeName}/{{ $labels.grpc_method }}`;
  const threshold = percentText(decimal(b.factor * budget));
  return {
    alert: o.name,
    expr,
    labels: { severity: b.severity, slo: o.slo, long: b.long, short: b.short },
    annotations: {
      summary: `${method} is spending the error budget of its ${o.objective} at ${b.factor}x the rate it allows.`,
      description:
        `{{ $value | humanizePercentage }} of the calls to ${method} (job {{ $labels.job }}) in the last ${b.long} ${o.what}, ` +
        `and over ${threshold} in the last ${b.short}: more than ${b.factor}x the ${percentText(budget)} the ${o.objective} allows. ` +
        `At this rate ${b.spent}% of a ${sloPeriodDays}-day error budget is spent in ${b.long}, all of it in ${daysText(b.factor)}.`,
    },
  };
}
