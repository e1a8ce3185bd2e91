import { type ClientUnaryCall, Metadata, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import type { PingRequest, TestServiceClient } from "../../testdata/gen/test.js";
import type { Plan } from "./soak-plan.js";
import { planHeader } from "./soak-service.js";

/** ClientOutcome is what the caller's code did and saw in one call, counted by the caller. */
export interface ClientOutcome {
  readonly plan: Plan;
  /** code is the status the caller got. */
  code: number;
  details: string;
  /** wrote: messages the caller's code handed to grpc-js before the call ended. */
  wrote: number;
  /** got: response messages the caller's code got ('data' events; the unary callback's value). */
  got: number;
  /** cancelled: the caller called cancel() before the status came. */
  cancelled: boolean;
  /** ended: the status came. */
  ended: boolean;
}

/** request makes a plan's request: the soak service reads its plan from the metadata, not from here. */
function request(plan: Plan): PingRequest {
  return { value: "q".repeat(plan.payload), sleepTimeMs: 0, errorCodeReturned: 0 };
}

interface Cancellable {
  cancel(): void;
}

/**
 * runCall makes one call as its plan says and resolves once the caller has
 * seen everything: the status and, for response streams, the end of the
 * stream (a message pushed just before the status is emitted after it).
 */
export function runCall(client: TestServiceClient, plan: Plan): Promise<ClientOutcome> {
  const o: ClientOutcome = { plan, code: -1, details: "", wrote: 0, got: 0, cancelled: false, ended: false };
  const md = new Metadata();
  md.set(planHeader, String(plan.id));
  const options = { deadline: new Date(Date.now() + plan.deadlineMs) };

  return new Promise<ClientOutcome>((resolve) => {
    let waiting = plan.type === "server_stream" || plan.type === "bidi_stream" ? 2 : 1;
    const done = () => {
      if (--waiting === 0) resolve(o);
    };
    let timer: NodeJS.Timeout | undefined;
    const onStatus = (s: StatusObject) => {
      o.ended = true;
      o.code = s.code;
      o.details = s.details;
      if (timer) clearTimeout(timer);
      done();
    };
    let call!: Cancellable;
    const cancel = () => {
      if (o.ended || o.cancelled) return;
      o.cancelled = true;
      call.cancel();
    };
    /** onResponse counts a response and cancels where the plan says. */
    const onResponse = () => {
      o.got++;
      if (plan.kind === "cancel" && o.got === plan.responses) cancel();
      if (plan.kind === "racyCancel" && plan.cancelAt === "messages" && o.got === plan.cancelAfterMessages) cancel();
    };
    /** onHeaders cancels a cancel call whose signal is the headers. */
    const onHeaders = () => {
      const signalIsHeaders =
        plan.type === "unary" || plan.type === "client_stream" || (plan.kind === "cancel" && plan.responses === 0);
      if (plan.kind === "cancel" && signalIsHeaders) cancel();
    };
    /** followResponses watches a call with a response stream: its headers, messages, status and end. */
    const followResponses = (c: NodeJS.EventEmitter) => {
      c.on("metadata", onHeaders);
      c.on("data", onResponse);
      c.on("error", () => {});
      c.on("status", onStatus);
      c.on("end", done);
    };
    const unaryCallback = (err: ServiceError | null, res?: unknown) => {
      if (err === null && res !== undefined && res !== null) o.got++;
    };

    switch (plan.type) {
      case "unary": {
        let c: ClientUnaryCall;
        if (plan.method === "PingEmpty") c = client.pingEmpty({}, md, options, unaryCallback);
        else if (plan.method === "Ping") c = client.ping(request(plan), md, options, unaryCallback);
        else c = client.pingError(request(plan), md, options, unaryCallback);
        // grpc-js hands a unary request to the interceptors before returning the call.
        o.wrote = 1;
        c.on("metadata", onHeaders);
        c.on("status", onStatus);
        call = c;
        break;
      }
      case "server_stream": {
        const c = client.pingList(request(plan), md, options);
        o.wrote = 1;
        followResponses(c);
        call = c;
        break;
      }
      case "client_stream": {
        const c = client.pingClientStream(md, options, unaryCallback);
        c.on("metadata", onHeaders);
        c.on("status", onStatus);
        call = c;
        writeRequests(c, plan, o);
        break;
      }
      case "bidi_stream": {
        const c = client.pingStream(md, options);
        followResponses(c);
        call = c;
        writeRequests(c, plan, o);
        break;
      }
    }

    if (plan.kind === "racyCancel") {
      // grpc-js 1.14 opens the HTTP/2 stream of a call a microtask after the call starts, even when the
      // caller cancelled it in between, and never resets it. A unary call, complete when sent, just runs
      // to its end on the server; a streaming one stays open there until its deadline (client-streaming,
      // bidi: waiting for input; server-streaming: its responses, never read, stop at HTTP/2 flow
      // control). Streaming calls cancel on the next turn instead.
      const cancelNow = plan.type === "unary" ? cancel : () => setImmediate(cancel);
      switch (plan.cancelAt) {
        case "sync":
          cancelNow();
          break;
        case "immediate":
          setImmediate(cancel);
          break;
        case "messages":
          // Streams of responses cancel in onResponse (with 0 messages: at once); the others on a timer.
          if (plan.type === "server_stream" || plan.type === "bidi_stream") {
            if (plan.cancelAfterMessages === 0) cancelNow();
            break;
          }
          timer = setTimeout(cancel, plan.cancelAfterMs);
          break;
        case "timer":
          timer = setTimeout(cancel, plan.cancelAfterMs);
          break;
      }
    }
  });
}

interface RequestWriter {
  write(message: PingRequest, cb?: (error?: Error | null) => void): boolean;
  end(): unknown;
}

/**
 * writeRequests writes a plan's requests and half-closes where the plan says.
 * One after the other (the default), each write is made only while the call
 * has not ended and the caller has not cancelled, and the stream is idle, so
 * grpc-js hands it to the interceptors at once: `o.wrote` is exactly what
 * the caller handed over before the call ended. In a burst, messages queue
 * in the stream; plans burst only where the handler reads every message
 * before the call can end.
 */
function writeRequests(c: RequestWriter, plan: Plan, o: ClientOutcome): void {
  const n = plan.requests;
  const end = plan.kind === "cancel" ? false : plan.kind === "deadline" ? plan.endInput : true;
  if (plan.burst) {
    for (let i = 0; i < n; i++) {
      o.wrote++;
      c.write(request(plan));
    }
    if (end) c.end();
    return;
  }
  let i = 0;
  const next = () => {
    if (o.ended || o.cancelled) return;
    if (i === n) {
      if (end) c.end();
      return;
    }
    o.wrote++;
    i++;
    c.write(request(plan), next);
  };
  next();
}
