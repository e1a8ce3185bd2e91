import {
  Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type sendUnaryData,
} from "@grpc/grpc-js";
import type { Empty, PingRequest, PingResponse, TestServiceServer } from "../../testdata/gen/test.js";
import type { Plan } from "./soak-plan.js";
import { sleep } from "./wait.js";

/** planHeader carries a call's plan id from the soak client to the soak service. */
export const planHeader = "x-soak-plan";

/**
 * ServerRecord is what the soak service's handler did in one call, counted by
 * the handler itself, independently of the runtime under test.
 */
export interface ServerRecord {
  readonly plan: Plan;
  /** got: request messages the handler's code saw (the request of unary and server-streaming calls; 'data' events). */
  got: number;
  /**
   * wrote: response messages the handler wrote, each while its call was not
   * yet cancelled (stream methods), or answers it gave with a value (unary
   * and client-streaming).
   */
  wrote: number;
  /** closed: grpc-js emitted "cancelled", which it does at the end of every call whose handler ran (since 1.14.3; before, not always after a deadline). */
  closed: boolean;
  /** busy counts the handler's timers and write loops still pending. */
  busy: number;
  /** deadline is the call's deadline on the server (ms since the epoch), as the runtime reads it. */
  deadline: number;
  /**
   * answerFrom, answerTo: when the call was answered, if it was before it
   * closed: the runtime took the answer, and read the clock for it, between
   * these two readings of the handler's (around the callback of unary and
   * client-streaming calls; around the runtime's own "prefinish" listener of
   * streams, by listeners put before and after it).
   */
  answerFrom?: number;
  answerTo?: number;
  /**
   * closeFrom, closeTo: when a call closed with no answer, the runtime's
   * "cancelled" listener, which then counts it Canceled or DeadlineExceeded
   * by the clock, ran between these readings (by listeners before and after).
   */
  closeFrom?: number;
  closeTo?: number;
}

function statusError(code: number, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new Metadata() });
}

/** response makes the i-th response of a plan. */
function response(plan: Plan, i: number): PingResponse {
  return { Value: "r".repeat(plan.payload), counter: i };
}

/** AnyCall is the part of every grpc-js server call `begin` uses. */
interface AnyCall {
  readonly metadata: Metadata;
  getDeadline(): Date | number;
  on(event: "cancelled" | "prefinish", listener: () => void): unknown;
  prependListener(event: "cancelled" | "prefinish", listener: () => void): unknown;
}
type StreamOut = ServerWritableStream<PingRequest, PingResponse> | ServerDuplexStream<PingRequest, PingResponse>;

/**
 * soakService implements the conformance service with behaviour chosen per
 * call by its plan (looked up by the id in the call's metadata), recording in
 * `records` what each handler did.
 */
export function soakService(plans: ReadonlyMap<number, Plan>): {
  impl: TestServiceServer;
  records: Map<number, ServerRecord>;
} {
  const records = new Map<number, ServerRecord>();

  /**
   * begin records a call whose handler runs. The runtime's listeners were put
   * on the call before the handler was called; the handler's go before them
   * (prepended) and after them, so their clock readings bracket the
   * runtime's.
   */
  const begin = (call: AnyCall, streamsOut: boolean): ServerRecord => {
    const id = Number(call.metadata.get(planHeader)[0]);
    const plan = plans.get(id);
    if (plan === undefined) throw new Error(`soak service: no plan ${id}`);
    if (records.has(id)) throw new Error(`soak service: plan ${id} reached the handler twice`);
    const d = call.getDeadline();
    const rec: ServerRecord = {
      plan,
      got: 0,
      wrote: 0,
      closed: false,
      busy: 0,
      deadline: d instanceof Date ? d.getTime() : d,
    };
    records.set(id, rec);
    call.prependListener("cancelled", () => {
      if (rec.answerFrom === undefined) rec.closeFrom = Date.now();
    });
    call.on("cancelled", () => {
      if (rec.closeFrom !== undefined) rec.closeTo = Date.now();
      rec.closed = true;
    });
    if (streamsOut) {
      // A stream's answer is taken when it finishes: end(), or an emitted error, once the writes are out.
      call.prependListener("prefinish", () => {
        if (!rec.closed) rec.answerFrom = Date.now();
      });
      call.on("prefinish", () => {
        if (rec.answerFrom !== undefined) rec.answerTo ??= Date.now();
      });
    }
    return rec;
  };

  /** answer gives a unary-response call's answer through fn, timing it if the call has not closed. */
  const answer = (rec: ServerRecord, fn: () => void) => {
    const from = Date.now();
    fn();
    const to = Date.now();
    if (!rec.closed && rec.closeFrom === undefined) {
      rec.answerFrom = from;
      rec.answerTo = to;
    }
  };

  /** later runs fn after ms, synchronously when ms is 0, keeping the record busy meanwhile. */
  const later = (rec: ServerRecord, ms: number, fn: () => void) => {
    if (ms === 0) {
      fn();
      return;
    }
    rec.busy++;
    setTimeout(() => {
      rec.busy--;
      fn();
    }, ms);
  };

  /** track keeps the record busy until a promise of the handler settles. */
  const track = <T>(rec: ServerRecord, p: Promise<T>): Promise<T> => {
    rec.busy++;
    return p.finally(() => rec.busy--);
  };

  /**
   * writeAll writes n responses: at once (burst), or each after the previous
   * one's callback, stopping when the call is cancelled. Each write is made
   * while the call is not cancelled and, one after the other, while the
   * stream is idle, so grpc-js takes it at once (`_write`): the count is then
   * exactly what the runtime can see. Resolves false if cancelled.
   */
  const writeAll = async (call: StreamOut, rec: ServerRecord, n: number, burst: boolean): Promise<boolean> => {
    if (burst) {
      for (let i = 0; i < n && !call.cancelled; i++) {
        rec.wrote++;
        call.write(response(rec.plan, i));
      }
      return !call.cancelled;
    }
    for (let i = 0; i < n; i++) {
      if (call.cancelled) return false;
      rec.wrote++;
      const written = await new Promise<boolean>((resolve) => {
        // grpc-js drops a message sent on a call it has cancelled, without calling back: "cancelled" follows.
        const onCancel = () => resolve(false);
        call.once("cancelled", onCancel);
        call.write(response(rec.plan, i), () => {
          call.off("cancelled", onCancel);
          resolve(true);
        });
      });
      if (!written) return false;
    }
    return !call.cancelled;
  };

  /** finishStream ends a stream with the plan's answer. */
  const finishStream = (call: StreamOut, plan: Plan) => {
    if (call.cancelled) return;
    if (plan.code === 0) call.end();
    else call.emit("error", statusError(plan.code, "soak: stream error"));
  };

  /** unary answers a unary call as its plan says. */
  const unary =
    <Res>(value: (plan: Plan) => Res) =>
    (call: ServerUnaryCall<unknown, Res>, callback: sendUnaryData<Res>): Promise<void> | undefined => {
      const rec = begin(call, false);
      rec.got = 1;
      const { plan } = rec;
      if (plan.kind === "cancel") {
        // The signal: response headers, which the client cancels on. No answer ever.
        call.sendMetadata(new Metadata());
        return undefined;
      }
      if (plan.kind === "deadline") return undefined;
      if (plan.style === "throw") throw new Error("soak: handler threw");
      if (plan.style === "reject") {
        return track(
          rec,
          (async () => {
            if (plan.delayMs > 0) await sleep(plan.delayMs);
            throw new Error("soak: handler rejected");
          })(),
        );
      }
      later(rec, plan.delayMs, () => {
        if (plan.code !== 0) {
          answer(rec, () => callback(statusError(plan.code, "soak: unary error")));
          return;
        }
        rec.wrote++;
        answer(rec, () => callback(null, value(plan)));
      });
      return undefined;
    };

  const impl: TestServiceServer = {
    pingEmpty: unary<PingResponse>((plan) => response(plan, 0)),
    ping: unary<PingResponse>((plan) => response(plan, 0)),
    pingError: unary<Empty>(() => ({})),

    pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
      const rec = begin(call, true);
      rec.got = 1;
      const { plan } = rec;
      if (plan.style === "throw") throw new Error("soak: handler threw");
      if (plan.kind === "cancel" || plan.kind === "deadline") {
        // Write what the plan says, one after the other, then hold the call without answering.
        // A cancel call's client cancels on its last response, or on the headers when there is none.
        if (plan.kind === "cancel" && plan.responses === 0) call.sendMetadata(new Metadata());
        void track(rec, writeAll(call, rec, plan.responses, false));
        return undefined;
      }
      return track(
        rec,
        (async () => {
          if (plan.delayMs > 0) await sleep(plan.delayMs);
          if (!(await writeAll(call, rec, plan.responses, plan.burst))) return;
          if (plan.style === "reject") throw new Error("soak: handler rejected");
          finishStream(call, plan);
        })(),
      );
    },

    pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) {
      const rec = begin(call, false);
      const { plan } = rec;
      if (plan.style === "throw") throw new Error("soak: handler threw");
      // A cancel call's signal: headers once the handler has read the plan's requests.
      const signalAt = plan.kind === "cancel" ? plan.requests : -1;
      if (signalAt === 0) call.sendMetadata(new Metadata());
      call.on("data", () => {
        if (++rec.got === signalAt) call.sendMetadata(new Metadata());
      });
      // Cancel and deadline calls never answer: their input's end (a half-close, or grpc-js's on a cancel) is ignored.
      if (plan.kind === "cancel" || plan.kind === "deadline") return undefined;
      const ended = new Promise<void>((resolve) => {
        call.on("end", resolve);
        call.on("cancelled", () => resolve());
      });
      if (plan.style === "reject") {
        return track(
          rec,
          (async () => {
            await ended;
            if (plan.delayMs > 0) await sleep(plan.delayMs);
            throw new Error("soak: handler rejected");
          })(),
        );
      }
      void ended.then(() =>
        later(rec, plan.delayMs, () => {
          if (plan.code !== 0) {
            answer(rec, () => callback(statusError(plan.code, "soak: client-stream error")));
            return;
          }
          rec.wrote++;
          answer(rec, () => callback(null, { Value: "", counter: rec.got }));
        }),
      );
      return undefined;
    },

    pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
      const rec = begin(call, true);
      const { plan } = rec;
      if (plan.style === "throw") throw new Error("soak: handler threw");
      // A cancel call's client cancels on its last echo, or on the headers when it sends nothing.
      if (plan.kind === "cancel" && plan.requests === 0) call.sendMetadata(new Metadata());
      let inputEnded = false;
      // Echo each request at once: writes queue up in the stream while earlier ones are in flight.
      call.on("data", () => {
        const i = rec.got++;
        if (call.cancelled || inputEnded) return;
        rec.wrote++;
        call.write(response(plan, i));
      });
      if (plan.kind === "cancel" || plan.kind === "deadline") return undefined;
      // The input ends with the client's half-close, or, on a cancel, with grpc-js's "end" (docs/metrics.md) or,
      // when the cancel came first, with "cancelled" alone.
      const ended = new Promise<void>((resolve) => {
        call.on("end", () => {
          inputEnded = true;
          resolve();
        });
        call.on("cancelled", () => resolve());
      });
      return track(
        rec,
        (async () => {
          await ended;
          if (plan.delayMs > 0) await sleep(plan.delayMs);
          if (plan.style === "reject") throw new Error("soak: handler rejected");
          finishStream(call, plan);
        })(),
      );
    },
  };
  return { impl, records };
}
