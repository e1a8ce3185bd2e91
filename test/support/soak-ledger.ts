import type { Registry } from "prom-client";
import { grpcCodeName } from "../../runtime/index.js";
import { codesOf, key, scrape } from "./exposition.js";
import { labels, type MethodName, methods } from "./harness.js";
import type { ClientOutcome } from "./soak-client.js";
import { clientCodes, longDeadlineMs, type Plan } from "./soak-plan.js";
import type { ServerRecord } from "./soak-service.js";

const CANCELED = 1;
const DEADLINE_EXCEEDED = 4;

/** Range is what a counter may read: exactly lo when lo == hi. */
export interface Range {
  lo: number;
  hi: number;
}

/** Counts is one side's counters of one method, as read from its registry. */
export interface Counts {
  started: number;
  received: number;
  sent: number;
  handled: Record<string, number>;
}

/** Expected is, for one method, what the calls' own records say each side must show. */
export interface Expected {
  /** client: exact, from what the caller's code did and saw (sent: what it wrote). */
  readonly client: Counts;
  /**
   * clientSent: what the client counts as sent, messages grpc-js accepted for the wire: every one the
   * caller wrote on a call that ran to its end; on a call given up, a write still queued then is not.
   */
  readonly clientSent: Range;
  /** server: started exact (the calls whose handler ran); the rest exact or bounded, call by call. */
  readonly server: {
    started: number;
    received: Range;
    sent: Range;
    /** handled: per code name, how many calls must (lo) and may (hi) have ended with it. */
    handled: Map<string, Range>;
  };
}

const exact = (n: number): Range => ({ lo: n, hi: n });
const add = (a: Range, b: Range) => {
  a.lo += b.lo;
  a.hi += b.hi;
};

/**
 * slackBandMs bounds the runtime's slack around a deadline: a call cancelled
 * this close before its deadline may count as DeadlineExceeded, as the
 * client's cancellation on its deadline and the server's own timer race
 * (runtime/status.ts says 50 ms; the band leaves it room).
 */
const slackBandMs = 100;

/**
 * serverCodes returns the codes the server may count for a call whose handler
 * ran: what the caller saw (README "Guarantees"). Only where the call's own
 * timing decides may it differ, and the handler's clock readings say which
 * way it could have gone:
 *
 * - ok, error: the plan's code. Nothing races the answer; the deadline is a minute away.
 * - A caller that gave up (cancel() or its deadline) resets the stream, and
 *   the server tells the two apart by its own copy of the deadline: a reset
 *   within the runtime's slack before it counts DeadlineExceeded, and the
 *   server's copy starts later, so a loaded event loop can see a reset at
 *   the client's deadline before its own and count Canceled.
 * - An answer the server sent as the caller gave up: the status was on its
 *   way, and the server's stream closed with it before the reset came.
 */
function serverCodes(o: ClientOutcome, rec: ServerRecord): number[] {
  const p = o.plan;
  if (p.kind === "ok" || p.kind === "error") return [p.code];
  const codes = new Set<number>([o.code]);
  if (o.code === CANCELED || o.code === DEADLINE_EXCEEDED) {
    if (rec.closeFrom !== undefined && rec.closeFrom < rec.deadline) codes.add(CANCELED);
    if (rec.closeTo !== undefined && rec.closeTo >= rec.deadline - slackBandMs) codes.add(DEADLINE_EXCEEDED);
    if (rec.answerFrom !== undefined) codes.add(p.code);
  }
  return [...codes];
}

/** determinedEnd says whether a plan's call certainly reaches its handler and ends as planned: no deadline can intervene. */
export function determinedEnd(p: Plan): boolean {
  return p.kind === "ok" || p.kind === "error" || (p.kind === "cancel" && p.deadlineMs === longDeadlineMs);
}

/** determined says whether a call's messages on the server are exactly known from the records. */
function inputDetermined(p: Plan): boolean {
  return determinedEnd(p) && p.style !== "throw";
}

/**
 * expectations reduces every call's client outcome and server record to what
 * each side's metrics must show, per method, and lists the calls whose own
 * records contradict their plan (a fault of the harness or of grpc-js, not
 * of the metrics; reported all the same).
 */
export function expectations(
  outcomes: readonly ClientOutcome[],
  records: ReadonlyMap<number, ServerRecord>,
): { expected: Map<MethodName, Expected>; faults: string[] } {
  const expected = new Map<MethodName, Expected>();
  for (const [m] of methods) {
    expected.set(m, {
      client: { started: 0, received: 0, sent: 0, handled: {} },
      clientSent: exact(0),
      server: { started: 0, received: exact(0), sent: exact(0), handled: new Map() },
    });
  }
  const faults: string[] = [];
  const fault = (o: ClientOutcome, what: string) => {
    if (faults.length < 20)
      faults.push(`${what}: plan ${JSON.stringify(o.plan)}, client saw ${JSON.stringify({ ...o, plan: undefined })}`);
  };

  for (const o of outcomes) {
    const p = o.plan;
    const e = expected.get(p.method)!;
    const rec = records.get(p.id);

    // The client: every number exactly what its caller did and saw.
    e.client.started++;
    e.client.sent += o.wrote;
    const ranToEnd = p.kind === "ok" || p.kind === "error";
    // What the handler read was sent; a unary or server-streaming handler that ran had its one request.
    const read = rec === undefined ? 0 : p.type === "unary" || p.type === "server_stream" ? 1 : rec.got;
    add(e.clientSent, ranToEnd ? exact(o.wrote) : { lo: Math.min(read, o.wrote), hi: o.wrote });
    e.client.received += o.got;
    const name = grpcCodeName(o.code);
    e.client.handled[name] = (e.client.handled[name] ?? 0) + 1;

    if (!clientCodes(p).includes(o.code)) {
      const hint = o.details.includes("Session closed with error code 2")
        ? " (the server closed the connection: Node's HTTP/2 rapid-reset limit? see resetBudget)"
        : "";
      fault(o, `client saw ${name}${hint}`);
    }
    if (rec === undefined) {
      // Only a call the client cancelled or timed out early may never reach its handler.
      if (determinedEnd(p)) fault(o, "never reached the handler");
      continue;
    }
    // grpc-js before 1.14.3 does not always emit "cancelled" on a call its deadline ended as the handler
    // answered, nor call back a write the deadline cut off: a handler's own record may never see its call
    // close, and its write loop may wait for good. The runtime listens for neither; only a call that ran to
    // its planned end must have left its handler done.
    if (rec.busy !== 0 && determinedEnd(p)) fault(o, "handler not finished at quiescence");

    // The server.
    e.server.started++;
    const codes = serverCodes(o, rec);
    for (const c of codes) {
      const n = grpcCodeName(c);
      const r = e.server.handled.get(n) ?? exact(0);
      if (codes.length === 1) r.lo++;
      r.hi++;
      e.server.handled.set(n, r);
    }

    const determined = inputDetermined(p);
    switch (p.type) {
      case "unary":
      case "server_stream":
        add(e.server.received, exact(1));
        break;
      case "client_stream":
      case "bidi_stream":
        // A message in flight when a cancel or deadline crossed it was written but never read:
        // grpc-js drops what arrives after it cancelled, and what it had not yet handed to the handler.
        if (determined && rec.got !== o.wrote) fault(o, `handler read ${rec.got} of ${o.wrote}`);
        if (rec.got > o.wrote) fault(o, `handler read ${rec.got}, more than the ${o.wrote} written`);
        add(e.server.received, determined ? exact(o.wrote) : { lo: rec.got, hi: o.wrote });
        break;
    }

    switch (p.type) {
      case "unary":
      case "client_stream":
        // One when the handler answered with a value and grpc-js wrote it: always for ok, never for an error;
        // a call that was given up may have had its answer written first.
        if (p.kind === "ok") add(e.server.sent, exact(1));
        else if (p.kind === "error") add(e.server.sent, exact(0));
        else add(e.server.sent, { lo: 0, hi: rec.wrote });
        if (p.kind === "ok" && o.got !== 1) fault(o, "no response");
        break;
      case "server_stream":
      case "bidi_stream": {
        // A message counts as sent once grpc-js has written it. Where the call ran to its end every write was;
        // where it was given up, a write still queued in the stream, or on its way, when the call ended is not
        // written: between what the client got and what the handler wrote.
        add(e.server.sent, p.kind === "ok" || p.kind === "error" ? exact(rec.wrote) : { lo: o.got, hi: rec.wrote });
        if (o.got > rec.wrote) fault(o, `client got ${o.got}, more than the ${rec.wrote} written`);
        const want = p.type === "server_stream" ? p.responses : p.requests;
        if ((p.kind === "ok" || (p.kind === "cancel" && determinedEnd(p))) && o.got !== want) {
          fault(o, `client got ${o.got} of ${want}`);
        }
        break;
      }
    }
  }
  return { expected, faults };
}

/** oneResponse: unary and client-streaming methods, whose server sends a message on every call it counts OK. */
export function oneResponse(method: MethodName): boolean {
  const type = labels(method).grpc_type;
  return type === "unary" || type === "client_stream";
}

/** read returns a side's four counters of a method. */
export async function read(registry: Registry, side: "server" | "client", method: MethodName): Promise<Counts> {
  const e = await scrape(registry);
  const v = (name: string) => {
    const k = key(`grpc_${side}_${name}`, labels(method));
    const x = e.series.get(k);
    if (x === undefined) throw new Error(`no series ${k}`);
    return x;
  };
  return {
    started: v("started_total"),
    received: v("msg_received_total"),
    sent: v("msg_sent_total"),
    handled: codesOf(e, `grpc_${side}_handled_total`, method),
  };
}

export const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

const within = (x: number, r: Range) => r.lo <= x && x <= r.hi;
const show = (r: Range) => (r.lo === r.hi ? `${r.lo}` : `[${r.lo}, ${r.hi}]`);

/**
 * compare checks one method's metrics on both sides against what the calls'
 * records say, and returns every mismatch as a sentence.
 */
export function compare(method: MethodName, e: Expected, client: Counts, server: Counts): string[] {
  const out: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) out.push(`${method}: ${what}`);
  };
  // Each side on its own: every call that started ended exactly once.
  check(
    client.started === sum(client.handled),
    `client started ${client.started} != sum(handled) ${sum(client.handled)}`,
  );
  check(
    server.started === sum(server.handled),
    `server started ${server.started} != sum(handled) ${sum(server.handled)}`,
  );

  // The client: exact.
  check(client.started === e.client.started, `client started ${client.started}, calls made ${e.client.started}`);
  check(
    within(client.sent, e.clientSent),
    `client sent ${client.sent}, expected ${show(e.clientSent)} (the caller wrote ${e.client.sent})`,
  );
  check(
    client.received === e.client.received,
    `client received ${client.received}, the caller got ${e.client.received}`,
  );
  check(
    JSON.stringify(sorted(client.handled)) === JSON.stringify(sorted(e.client.handled)),
    `client handled ${JSON.stringify(sorted(client.handled))}, the caller saw ${JSON.stringify(sorted(e.client.handled))}`,
  );

  // The server.
  check(server.started === e.server.started, `server started ${server.started}, handlers run ${e.server.started}`);
  check(server.started <= client.started, `server started ${server.started} > client started ${client.started}`);
  check(
    within(server.received, e.server.received),
    `server received ${server.received}, expected ${show(e.server.received)} (client wrote ${e.client.sent})`,
  );
  check(within(server.sent, e.server.sent), `server sent ${server.sent}, expected ${show(e.server.sent)}`);
  if (oneResponse(method)) {
    check(server.sent >= (server.handled.OK ?? 0), `server sent ${server.sent} < handled OK ${server.handled.OK ?? 0}`);
  }
  for (const [code, r] of e.server.handled) {
    const n = server.handled[code] ?? 0;
    check(within(n, r), `server handled ${code} ${n}, expected ${show(r)}`);
  }
  for (const code of Object.keys(server.handled)) {
    check(e.server.handled.has(code), `server handled ${code} ${server.handled[code]}, which no call may end with`);
  }
  return out;
}

function sorted(r: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** summaryLine renders one method's expectations and readings for the log. */
export function summaryLine(method: MethodName, e: Expected, client: Counts, server: Counts): string {
  const handled = [...e.server.handled]
    .filter(([c]) => (server.handled[c] ?? 0) > 0 || e.server.handled.get(c)!.hi > 0)
    .map(([c, r]) => `${c}=${server.handled[c] ?? 0}${r.lo === r.hi ? "" : ` in ${show(r)}`}`)
    .join(" ");
  return (
    `${method.padEnd(16)} client started=${client.started} sent=${client.sent} received=${client.received} | ` +
    `server started=${server.started} received=${server.received} in ${show(e.server.received)} ` +
    `sent=${server.sent} in ${show(e.server.sent)} handled: ${handled}`
  );
}
