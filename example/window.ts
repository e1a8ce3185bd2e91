import { bucketDeltas, histogramQuantile } from "./quantile.js";
import { handledTotal, type MethodCounts, type Side, type Snapshot, sides } from "./snapshot.js";

/** MethodWindow is what one side did with one method over a window: one row of the live view. */
export interface MethodWindow {
  readonly method: string;
  readonly side: Side;
  /** callsPerSecond is the calls handled per second, as `rate(grpc_*_handled_total[window])`. */
  readonly callsPerSecond: number;
  /** errorRatio is the share of the calls handled that ended with a code other than OK; NaN if none ended. */
  readonly errorRatio: number;
  /** p50 and p99 are handling-time quantiles in seconds, from the histogram's bucket deltas; NaN if none ended. */
  readonly p50: number;
  readonly p99: number;
  /** inFlight is the calls started but not yet handled, now. */
  readonly inFlight: number;
}

/**
 * windowStats compares two snapshots of a registry as Prometheus's rate()
 * and histogram_quantile() over the window between them would, for every
 * method and side in `after`, grouped by method, server first.
 */
export function windowStats(before: Snapshot, after: Snapshot): MethodWindow[] {
  const seconds = (after.at - before.at) / 1000;
  const methods = new Set(sides.flatMap((side) => [...after.methods[side].keys()]));
  return [...methods].flatMap((method) =>
    sides.flatMap((side) => {
      const now = after.methods[side].get(method);
      if (now === undefined) return [];
      return [row(method, side, now, before.methods[side].get(method), seconds)];
    }),
  );
}

/** row is one method on one side, from its counts now and at the window's start (undefined: not yet seen). */
function row(
  method: string,
  side: Side,
  now: MethodCounts,
  then: MethodCounts | undefined,
  seconds: number,
): MethodWindow {
  const handled = handledTotal(now) - (then === undefined ? 0 : handledTotal(then));
  const ok = (now.handled.get("OK") ?? 0) - (then?.handled.get("OK") ?? 0);
  const buckets = bucketDeltas(now.buckets, then?.buckets ?? []);
  return {
    method,
    side,
    callsPerSecond: seconds > 0 ? handled / seconds : 0,
    errorRatio: handled > 0 ? (handled - ok) / handled : Number.NaN,
    p50: histogramQuantile(0.5, buckets),
    p99: histogramQuantile(0.99, buckets),
    inFlight: now.started - handledTotal(now),
  };
}
