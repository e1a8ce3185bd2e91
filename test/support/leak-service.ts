import {
  Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type StatusObject,
  type sendUnaryData,
} from "@grpc/grpc-js";
import type {
  Empty,
  PingRequest,
  PingResponse,
  TestServiceClient,
  TestServiceServer,
} from "../../testdata/gen/test.js";
import { listeners, type Tally, type WeakSample } from "./leak-probe.js";

/** hang asks the leak service's Ping to answer nothing: the client cancels it, or its deadline ends it. */
const hang = "hang";

/** ServerSide is what the leak service observes of the calls it handles. */
export interface ServerSide {
  /** listeners: per method, the listener counts on the call object at the end of each handler. */
  readonly listeners: Tally;
  /** calls: weak references to the last server call objects. */
  readonly calls: WeakSample;
  /** reached counts the calls whose handler ran; closed, those grpc-js then ended ("cancelled"). */
  reached: number;
  closed: number;
}

function statusError(code: number): ServiceError {
  return Object.assign(new Error("leak: error"), { code, details: "leak: error", metadata: new Metadata() });
}

/**
 * leakService implements the conformance service plainly (answers, errors,
 * calls that never answer until cancelled or timed out, streams of each
 * kind), counting at the end of every handler the listeners on its call.
 */
export function leakService(side: ServerSide): TestServiceServer {
  const begin = (call: { on(event: "cancelled", l: () => void): unknown }) => {
    side.reached++;
    side.calls.offer(call);
    call.on("cancelled", () => side.closed++);
  };
  const seen = (method: string, call: Parameters<typeof listeners>[0]) => side.listeners.add(method, listeners(call));

  return {
    pingEmpty(call: ServerUnaryCall<unknown, PingResponse>, callback: sendUnaryData<PingResponse>) {
      begin(call);
      seen("PingEmpty", call);
      callback(null, { Value: "", counter: 0 });
    },
    ping(call: ServerUnaryCall<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) {
      begin(call);
      if (call.request.value === hang) {
        // The client cancels on these headers, or its deadline passes first; the end of this handler is the call's.
        call.sendMetadata(new Metadata());
        call.once("cancelled", () => seen("Ping (no answer)", call));
        return;
      }
      seen("Ping", call);
      if (call.request.errorCodeReturned !== 0) callback(statusError(call.request.errorCodeReturned));
      else callback(null, { Value: call.request.value, counter: 1 });
    },
    pingError(call: ServerUnaryCall<PingRequest, Empty>, callback: sendUnaryData<Empty>) {
      begin(call);
      seen("PingError", call);
      callback(statusError(call.request.errorCodeReturned || 9));
    },
    pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
      begin(call);
      for (let i = 0; i < 3; i++) call.write({ Value: "", counter: i });
      seen("PingList", call);
      call.end();
    },
    pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) {
      begin(call);
      let n = 0;
      call.on("data", () => n++);
      call.on("end", () => {
        seen("PingClientStream", call);
        callback(null, { Value: "", counter: n });
      });
    },
    pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
      begin(call);
      call.on("data", (req: PingRequest) => call.write({ Value: req.value, counter: 0 }));
      call.on("end", () => {
        seen("PingStream", call);
        call.end();
      });
    },
  };
}

/** ClientSide is what the leak test observes of its client calls. */
export interface ClientSide {
  readonly listeners: Tally;
  readonly calls: WeakSample;
}

const request = (value = "", errorCodeReturned = 0): PingRequest => ({ value, sleepTimeMs: 0, errorCodeReturned });
const later = (ms: number) => new Date(Date.now() + ms);

/**
 * unaryCall makes the i-th unary call of a run: mostly answered; one in
 * twenty an error; one in a hundred each a call cancelled once the server
 * holds it and a call its 10 ms deadline ends. (Each of those makes the
 * client reset its stream: Node's HTTP/2 server closes a connection after
 * about 1000 resets, its rapid-reset mitigation, which would fail calls in
 * flight and measure a reconnection.) It resolves with the status.
 */
export function unaryCall(client: TestServiceClient, i: number, side: ClientSide): Promise<StatusObject> {
  return new Promise((resolve) => {
    const kind = i % 20 === 0 ? 0 : i % 100 === 1 ? 1 : i % 100 === 2 ? 2 : 3;
    const cb = () => {};
    const c =
      kind === 0
        ? client.pingError(request("", 5), new Metadata(), { deadline: later(30_000) }, cb)
        : kind === 1 || kind === 2
          ? client.ping(request(hang), new Metadata(), { deadline: later(kind === 1 ? 30_000 : 10) }, cb)
          : i % 2 === 0
            ? client.pingEmpty({}, new Metadata(), { deadline: later(30_000) }, cb)
            : client.ping(request("x"), new Metadata(), { deadline: later(30_000) }, cb);
    side.calls.offer(c);
    if (kind === 1) c.on("metadata", () => c.cancel());
    c.on("status", (s: StatusObject) => {
      side.listeners.add(kind === 1 ? "unary (cancelled on headers)" : "unary", listeners(c));
      resolve(s);
    });
  });
}

/** streamCall makes one call of a streaming method, three messages each way where it streams them. */
export function streamCall(
  client: TestServiceClient,
  type: "server_stream" | "client_stream" | "bidi_stream",
  side: ClientSide,
): Promise<StatusObject> {
  return new Promise((resolve) => {
    const done = (c: Parameters<typeof listeners>[0]) => (s: StatusObject) => {
      side.listeners.add(type, listeners(c));
      resolve(s);
    };
    const options = { deadline: later(30_000) };
    if (type === "server_stream") {
      const c = client.pingList(request(), new Metadata(), options);
      side.calls.offer(c);
      c.on("data", () => {});
      c.on("error", () => {});
      c.on("status", done(c));
    } else if (type === "client_stream") {
      const c = client.pingClientStream(new Metadata(), options, () => {});
      side.calls.offer(c);
      c.on("status", done(c));
      for (let i = 0; i < 3; i++) c.write(request());
      c.end();
    } else {
      const c = client.pingStream(new Metadata(), options);
      side.calls.offer(c);
      c.on("data", () => {});
      c.on("error", () => {});
      c.on("status", done(c));
      for (let i = 0; i < 3; i++) c.write(request());
      c.end();
    }
  });
}
