import type { MonitoredService } from "./model.js";
import { hasLatencyObjective, selector } from "./rules-promql.js";
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
 * availabilityAlerts are the four burn-rate alerts of each method's
 * availability objective, over the share of its calls that ended with one of
 * its fault codes.
 */
export function availabilityAlerts(service: MonitoredService): AlertRule[] {
  return service.methods.flatMap(({ name, objectives: o }) =>
    o === undefined
      ? []
      : burnWindows.map((b) =>
          alert(service, name, b, {
            name: availabilityAlertName,
            slo: "availability",
            metric: "grpc_server_faults",
            percent: o.availability,
            objective: `${o.availability}% availability objective`,
            what: `ended with a fault code (${o.faultCodes.join(", ")})`,
          }),
        ),
  );
}

/**
 * latencyAlerts are the four burn-rate alerts of each unary method's latency
 * objective, over the share of its calls slower than the objective's bound.
 */
export function latencyAlerts(service: MonitoredService): AlertRule[] {
  return service.methods.flatMap((m) => {
    const latency = m.objectives?.latency;
    if (latency === undefined || !hasLatencyObjective(m)) return [];
    return burnWindows.map((b) =>
      alert(service, m.name, b, {
        name: latencyAlertName,
        slo: "latency",
        metric: "grpc_server_slow",
        percent: latency.percent,
        objective: `latency objective of ${latency.percent}% of calls within ${latency.seconds}s`,
        what: `took longer than ${latency.seconds}s`,
      }),
    );
  });
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

function alert(service: MonitoredService, method: string, b: BurnWindow, o: Objective): AlertRule {
  const budget = errorBudget(o.percent);
  const of = selector({ grpc_service: service.typeName, grpc_method: method });
  // The long window comes first, so that $value is its ratio. A window with no
  // calls has no ratio (the recording rules divide only by a rate above zero),
  // so a cold start or an idle method never fires.
  const expr = [
    `${recordName(o.metric, b.long, service.metricPrefix)}${of} > (${b.factor} * ${budget})`,
    "and",
    `${recordName(o.metric, b.short, service.metricPrefix)}${of} > (${b.factor} * ${budget})`,
  ].join("\n");
  const path = `${service.typeName}/${method}`;
  const threshold = percentText(decimal(b.factor * budget));
  return {
    alert: o.name,
    expr,
    // The method's labels are the series' too: written out, each rule of a file
    // has its own name and labels, as Prometheus's linter wants.
    labels: {
      severity: b.severity,
      slo: o.slo,
      long: b.long,
      short: b.short,
      grpc_service: service.typeName,
      grpc_method: method,
    },
    annotations: {
      summary: `${path} is spending the error budget of its ${o.objective} at ${b.factor}x the rate it allows.`,
      description:
        `{{ $value | humanizePercentage }} of the calls to ${path} (job {{ $labels.job }}) in the last ${b.long} ${o.what}, ` +
        `and over ${threshold} in the last ${b.short}: more than ${b.factor}x the ${percentText(budget)} the ${o.objective} allows. ` +
        `At this rate ${b.spent}% of a ${sloPeriodDays}-day error budget is spent in ${b.long}, all of it in ${daysText(b.factor)}.`,
    },
  };
}
