/**
 * The arithmetic of the rule files' service level objectives: the burn
 * windows of the multiwindow, multi-burn-rate alerts of the Google SRE
 * workbook (chapter 5, "Alerting on SLOs"), the error budget of an
 * objective, and the names of the recording rules the alerts read.
 */

/** sloPeriodDays is the period an error budget is spent over, as the workbook's table assumes. */
export const sloPeriodDays = 30;

/** Severity is who an alert is for: `page` wakes someone, `ticket` waits for working hours. */
export type Severity = "page" | "ticket";

/** BurnWindow is one alert of an objective: a burn rate over a long window, confirmed by a short one. */
export interface BurnWindow {
  readonly severity: Severity;
  /** factor is the burn rate: how many times faster than the objective allows the budget goes. */
  readonly factor: number;
  /** long is the window the burn must have lasted over; short, a twelfth of it, that it still lasts. */
  readonly long: Window;
  readonly short: Window;
  /** spent is the share of the period's budget, in percent, the long window burns at this rate. */
  readonly spent: number;
}

/** Window is a PromQL range, as it appears in a range selector and in a recording rule's name. */
export type Window = "5m" | "30m" | "1h" | "2h" | "6h" | "1d" | "3d";

/**
 * burnWindows are the workbook's recommended four: 2% of a 30-day budget in
 * 1h or 5% in 6h pages; 10% in 1d or 10% in 3d opens a ticket.
 */
export const burnWindows: readonly BurnWindow[] = [
  { severity: "page", factor: 14.4, long: "1h", short: "5m", spent: 2 },
  { severity: "page", factor: 6, long: "6h", short: "30m", spent: 5 },
  { severity: "ticket", factor: 3, long: "1d", short: "2h", spent: 10 },
  { severity: "ticket", factor: 1, long: "3d", short: "6h", spent: 10 },
];

/** sloWindows are every window the alerts read, shortest first: each is a recording rule per ratio. */
export const sloWindows: readonly Window[] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/** level is the recording rules' aggregation level: the labels every one of them keeps. */
export const level = "job_grpc_service_grpc_method";
/** byLevel is the aggregation every recording rule sums by, over replicas. */
export const byLevel = "sum by (job, grpc_service, grpc_method)";

/** RecordedMetric is what a recording rule records: a rate of calls, or a ratio of them. */
export type RecordedMetric = "grpc_server_handled" | "grpc_server_faults" | "grpc_server_slow";

/**
 * recordName is a recording rule's name in Prometheus's `level:metric:operations`:
 * `job_grpc_service_grpc_method:grpc_server_handled:rate5m` is the calls
 * handled per second, summed over replicas; `...:grpc_server_faults:ratio_rate5m`
 * the share of them that ended with a fault code. The metric part carries
 * the metrics' prefix (`namespace` and `subsystem`), as their names do.
 */
export function recordName(metric: RecordedMetric, window: Window, prefix: string): string {
  return `${level}:${prefix}${metric}:${metric === "grpc_server_handled" ? "rate" : "ratio_rate"}${window}`;
}

/** errorBudget is the share of calls, as a fraction, an objective in percent lets fail: 99.9 gives 0.001. */
export function errorBudget(percent: number): number {
  return decimal((100 - percent) / 100);
}

/** decimal rounds away binary floating point's noise, so 0.001 * 14.4 prints as 0.0144. */
export function decimal(n: number): number {
  return Number(n.toPrecision(12));
}

/** percentText prints a fraction as a percentage: 0.0144 gives "1.44%". */
export function percentText(fraction: number): string {
  return `${decimal(fraction * 100)}%`;
}

/** daysText prints how long the period's budget lasts at a burn rate: 14.4 gives "2.1 days". */
export function daysText(factor: number): string {
  const days = Math.round((sloPeriodDays / factor) * 10) / 10;
  return `${days} ${days === 1 ? "day" : "days"}`;
}
