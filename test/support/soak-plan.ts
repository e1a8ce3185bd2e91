import { type MethodName, methods } from "./harness.js";

/** CallType is a conformance method's grpc_type. */
export type CallType = (typeof methods)[number][1];

/**
 * Kind is what a soak call is meant to do. The first four end in a way the
 * test fully determines; the racy ones race the handler's answer against a
 * cancel or a deadline, so only bounds are known for them on the server.
 *
 * - ok, error: the handler answers (OK, or the plan's code), the client neither cancels nor times out.
 * - cancel: the client cancels once the handler has signalled it holds the call (and has read and
 *   written what the plan says); the handler never answers.
 * - deadline: a short deadline; the handler never answers.
 * - racyCancel: the handler answers as for ok/error, and the client cancels at a random moment.
 * - racyDeadline: the handler answers after a random delay, racing a short deadline.
 */
export type Kind = "ok" | "error" | "cancel" | "deadline" | "racyCancel" | "racyDeadline";

/** ErrorStyle is how a handler gives a non-OK answer: a status (callback or emitted error), a throw, a rejected promise. */
export type ErrorStyle = "status" | "throw" | "reject";

/** CancelAt is when a racyCancel call is cancelled: at once, on the next turn, after a timer, or after some responses. */
export type CancelAt = "sync" | "immediate" | "timer" | "messages";

/** Plan is one soak call, drawn from the seeded PRNG before any call is made. */
export interface Plan {
  readonly id: number;
  readonly method: MethodName;
  readonly type: CallType;
  readonly kind: Kind;
  /** code is the handler's answer: 0 for OK, else the status it answers with (Unknown for throw and reject). */
  readonly code: number;
  readonly style: ErrorStyle;
  /** requests is how many messages the client writes (client-streaming and bidi). */
  readonly requests: number;
  /** responses is how many messages the handler writes (server-streaming; bidi echoes each request). */
  readonly responses: number;
  /** burst: the writer writes every message at once instead of one after the other's callback. */
  readonly burst: boolean;
  /** endInput: a deadline call's client half-closes after writing (the handler ignores it either way). */
  readonly endInput: boolean;
  /** delayMs is how long the handler waits before answering. */
  readonly delayMs: number;
  readonly deadlineMs: number;
  readonly cancelAt: CancelAt;
  readonly cancelAfterMs: number;
  readonly cancelAfterMessages: number;
  /** payload is the length of each message's string field: mostly tiny, sometimes tens of KiB (HTTP/2 flow control). */
  readonly payload: number;
}

/** longDeadlineMs is the deadline of calls not meant to time out: far beyond the soak's run, so it never decides one. */
export const longDeadlineMs = 60_000;

/** mulberry32 is a small seeded PRNG with a 2^32 period: the same seed draws the same plans. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draw is a PRNG with the helpers the plans need. */
class Draw {
  constructor(private readonly next: () => number) {}
  /** int returns an integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(weighted: readonly (readonly [T, number])[]): T {
    const total = weighted.reduce((s, [, w]) => s + w, 0);
    let x = this.next() * total;
    for (const [v, w] of weighted) {
      x -= w;
      if (x < 0) return v;
    }
    return weighted[weighted.length - 1]![0];
  }
}

const kinds: readonly (readonly [Kind, number])[] = [
  ["ok", 40],
  ["error", 30],
  ["cancel", 6],
  ["deadline", 4],
  ["racyCancel", 12],
  ["racyDeadline", 8],
];
const answeredKinds = kinds.filter(([k]) => k === "ok" || k === "error");

/**
 * resetBudget caps the calls that may end in a RST_STREAM from the client
 * (cancels and deadlines). Node's HTTP/2 server (nghttp2's rapid-reset
 * mitigation: a burst of 1000, then 33 per second) ends a connection whose
 * client resets more streams than that with GOAWAY INTERNAL_ERROR, failing
 * every call on it with Internal: that would test Node, not the metrics.
 */
export const resetBudget = 600;

const codeUnknown = 2;

/** makePlans draws n call plans from seed: every method, every kind, every way to fail. */
export function makePlans(seed: number, n: number): Plan[] {
  const d = new Draw(mulberry32(seed));
  const plans: Plan[] = [];
  let resets = 0;
  for (let id = 0; id < n; id++) {
    const [method, type] = methods[d.int(0, methods.length - 1)]!;
    const kind = d.pick(resets < resetBudget ? kinds : answeredKinds);
    if (kind !== "ok" && kind !== "error") resets++;
    const streamsIn = type === "client_stream" || type === "bidi_stream";
    let style: ErrorStyle = "status";
    let code = 0;
    if (kind === "error") {
      style = d.pick([
        ["status", 8],
        ["throw", 1],
        ["reject", 1],
      ] as const);
      code = style === "status" ? d.int(1, 16) : codeUnknown;
    } else if (kind === "racyCancel" || kind === "racyDeadline") {
      code = d.chance(0.7) ? 0 : d.int(1, 16);
    }
    const requests = streamsIn ? d.int(0, 12) : 1;
    const responses = type === "server_stream" ? d.int(0, 20) : type === "bidi_stream" ? requests : 1;
    // Half the cancelled calls have a deadline a few hundred ms to seconds away: cancelled well before it, they
    // must count as Canceled, not DeadlineExceeded (the runtime's slack before a deadline is a few ms).
    const deadlineMs =
      kind === "deadline"
        ? d.int(10, 80)
        : kind === "racyDeadline"
          ? d.int(1, 30)
          : kind === "cancel" && d.chance(0.5)
            ? d.int(300, 3_000)
            : longDeadlineMs;
    // A client writes in a burst only where the handler reads all its input before the call can end (and no
    // deadline can end it first), so every message written is also handed to grpc-js before the status: else
    // it writes one after the other.
    const burstAllowed =
      type === "server_stream" ||
      kind === "ok" ||
      (kind === "cancel" && deadlineMs === longDeadlineMs) ||
      (kind === "error" && style !== "throw");
    const racy = kind === "racyCancel" || kind === "racyDeadline";
    plans.push({
      id,
      method,
      type,
      kind,
      code,
      style,
      requests,
      responses,
      burst: burstAllowed && d.chance(0.5),
      endInput: d.chance(0.5),
      delayMs: racy ? d.int(0, 20) : d.chance(0.7) ? 0 : d.int(1, 5),
      deadlineMs,
      cancelAt: d.pick([
        ["sync", 15],
        ["immediate", 25],
        ["timer", 40],
        ["messages", 20],
      ] as const),
      cancelAfterMs: d.int(0, 15),
      cancelAfterMessages: d.int(0, 5),
      payload: d.chance(0.05) ? d.int(8_000, 40_000) : d.int(0, 16),
    });
  }
  return plans;
}

/** clientCodes returns the status codes the client may see for a plan. */
export function clientCodes(plan: Plan): readonly number[] {
  switch (plan.kind) {
    case "ok":
    case "error":
      return [plan.code];
    case "cancel":
      // Cancelled as soon as the server signals; a deadline that is not far away may still come first.
      return plan.deadlineMs === longDeadlineMs ? [1] : [1, 4];
    case "deadline":
      return [4];
    case "racyCancel":
      return [plan.code, 1];
    case "racyDeadline":
      return [plan.code, 4];
  }
}
