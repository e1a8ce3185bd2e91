import {
  Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { grpcCodeNames } from "../runtime/index.js";
import type { Empty, PingRequest, PingResponse } from "../testdata/gen/test.js";
import { drain, pingRequest, unary } from "./support/calls.js";
import { codesOf, key } from "./support/exposition.js";
import { type Harness, handledCodes, harness, labels, type MethodName, methods, service } from "./support/harness.js";
import { deadline } from "./support/server.js";
import { testService } from "./support/test-service.js";
import { sleep } from "./support/wait.js";

const req = pingRequest;
const md = () => new Metadata();

/** slowClientStream reads every request and answers 100 ms after its input ends. */
function slowClientStream(
  call: ServerReadableStream<PingRequest, PingResponse>,
  callback: sendUnaryData<PingResponse>,
) {
  call.on("data", () => {});
  call.on("end", () => setTimeout(() => callback(null, { Value: "", counter: 0 }), 100));
}

/** slowEcho echoes each request and ends 100 ms after its input ends. */
function slowEcho(call: ServerDuplexStream<PingRequest, PingResponse>) {
  call.on("data", (r: PingRequest) => call.write({ Value: r.value, counter: 0 }));
  call.on("end", () => setTimeout(() => call.end(), 100));
}

/** counts reads the four counters of a method: started, received, sent, and handled by code. */
async function counts(h: Harness, method: MethodName) {
  const e = await h.scrape();
  const v = (name: string) => {
    const x = e.series.get(key(name, labels(method)));
    if (x === undefined) throw new Error(`no series ${name} for ${method}`);
    return x;
  };
  return {
    started: v("grpc_server_started_total"),
    received: v("grpc_server_msg_received_total"),
    sent: v("grpc_server_msg_sent_total"),
    handled: codesOf(e, "grpc_server_handled_total", method),
  };
}

describe("pre-registration", () => {
  it("exposes every series of every method at 0 before the first call", async () => {
    const h = await harness(testService, { handlingTimeHistogram: true });
    const e = await h.scrape();
    const families = new Map<string, number>();
    for (const [k, v] of e.series) {
      expect(v).toBe(0);
      const name = k.slice(0, k.indexOf("{"));
      families.set(name, (families.get(name) ?? 0) + 1);
    }
    expect(Object.fromEntries(families)).toEqual({
      grpc_server_started_total: 6,
      grpc_server_handled_total: 6 * 17,
      grpc_server_msg_received_total: 6,
      grpc_server_msg_sent_total: 6,
      grpc_server_handling_seconds_bucket: 6 * 12,
      grpc_server_handling_seconds_sum: 6,
      grpc_server_handling_seconds_count: 6,
    });
    for (const [method] of methods) {
      for (const code of grpcCodeNames) {
        expect(await h.value("grpc_server_handled_total", method, { grpc_code: code })).toBe(0);
      }
      expect(await h.value("grpc_server_handling_seconds_bucket", method, { le: "0.005" })).toBe(0);
    }
  });

  it("has no histogram unless asked, as in Go", async () => {
    const h = await harness(testService);
    const names = new Set([...(await h.scrape()).series.keys()].map((k) => k.slice(0, k.indexOf("{"))));
    expect([...names].sort()).toEqual([
      "grpc_server_handled_total",
      "grpc_server_msg_received_total",
      "grpc_server_msg_sent_total",
      "grpc_server_started_total",
    ]);
  });
});

describe("unary", () => {
  it("counts a success: one received, one sent, OK", async () => {
    const h = await harness(testService, { handlingTimeHistogram: true });
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(o.status.code).toBe(status.OK);
    expect(await counts(h, "Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
    expect(await h.value("grpc_server_handling_seconds_count", "Ping")).toBe(1);
    expect(await h.value("grpc_server_handling_seconds_bucket", "Ping", { le: "+Inf" })).toBe(1);
  });

  it("counts an error with its code and sends nothing", async () => {
    const h = await harness(testService);
    const o = await unary<Empty>((m, opt, cb) => h.client.pingError(req({ errorCodeReturned: 5 }), m, opt, cb));
    expect([o.status.code, o.status.details]).toEqual([status.NOT_FOUND, "Userspace error."]);
    expect(await counts(h, "PingError")).toEqual({ started: 1, received: 1, sent: 0, handled: { NotFound: 1 } });
  });

  it("spells every code as Go does, and codes beyond the 17 as Code(N)", async () => {
    const h = await harness(testService);
    for (let code = 1; code <= 16; code++) {
      await unary<Empty>((m, opt, cb) => h.client.pingError(req({ errorCodeReturned: code }), m, opt, cb));
    }
    await unary<Empty>((m, opt, cb) => h.client.pingError(req({ errorCodeReturned: 42 }), m, opt, cb));
    const expected = Object.fromEntries(grpcCodeNames.slice(1).map((n) => [n, 1]));
    expect(await handledCodes(h, "PingError")).toEqual({ ...expected, "Code(42)": 1 });
  });

  it("counts an error without a code as Unknown", async () => {
    const h = await harness({
      pingError(_call: ServerUnaryCall<PingRequest, Empty>, callback: sendUnaryData<Empty>) {
        callback(new Error("plain") as ServiceError);
      },
    });
    const o = await unary<Empty>((m, opt, cb) => h.client.pingError(req(), m, opt, cb));
    expect([o.status.code, o.status.details]).toEqual([status.UNKNOWN, "plain"]);
    expect(await counts(h, "PingError")).toEqual({ started: 1, received: 1, sent: 0, handled: { Unknown: 1 } });
  });

  it("counts a handler that throws as Unknown, and grpc-js answers as without us", async () => {
    const h = await harness({
      ping() {
        throw new Error("boom");
      },
    });
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    // grpc-js's own details: "Unknown error" since 1.14 (unless GRPC_NODE_DEBUG_SEND_ERROR_DETAILS), the error's message before.
    expect(o.status.code).toBe(status.UNKNOWN);
    expect(["Unknown error", "Server method handler threw error boom"]).toContain(o.status.details);
    expect(await counts(h, "Ping")).toEqual({ started: 1, received: 1, sent: 0, handled: { Unknown: 1 } });
  });

  it("ends a call whose async handler rejects with Unknown instead of leaving it to its deadline", async () => {
    const h = await harness({
      async ping() {
        await Promise.resolve();
        throw new Error("async boom");
      },
    });
    const started = Date.now();
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb), 10_000);
    expect([o.status.code, o.status.details]).toEqual([status.UNKNOWN, "Unknown error"]);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await counts(h, "Ping")).toEqual({ started: 1, received: 1, sent: 0, handled: { Unknown: 1 } });
  });

  it("counts an async handler that answered before rejecting once, as answered", async () => {
    const h = await harness({
      async ping(_call: ServerUnaryCall<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) {
        callback(null, { Value: "v", counter: 1 });
        throw new Error("late");
      },
    });
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(o.status.code).toBe(status.OK);
    expect(await counts(h, "Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
  });

  it("counts a call whose deadline passes before the handler answers as DeadlineExceeded, once", async () => {
    const h = await harness(testService);
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req({ sleepTimeMs: 300 }), m, opt, cb), 50);
    expect(o.status.code).toBe(status.DEADLINE_EXCEEDED);
    await h.waitFor("grpc_server_handled_total", "Ping", { grpc_code: "DeadlineExceeded" }, 1);
    // The handler still answers after its deadline; that must not count again.
    await sleep(350);
    expect(await counts(h, "Ping")).toEqual({ started: 1, received: 1, sent: 0, handled: { DeadlineExceeded: 1 } });
  });

  it("counts a call the client cancels before the handler answers as Canceled", async () => {
    const h = await harness(testService);
    const call = h.client.ping(req({ sleepTimeMs: 2_000 }), md(), { deadline: deadline() }, () => {});
    await h.waitFor("grpc_server_started_total", "Ping", {}, 1);
    call.cancel();
    await h.waitFor("grpc_server_handled_total", "Ping", { grpc_code: "Canceled" }, 1);
    expect(await counts(h, "Ping")).toEqual({ started: 1, received: 1, sent: 0, handled: { Canceled: 1 } });
  });

  it("answers a method the implementation lacks with Unimplemented, as grpc-js does, and counts it", async () => {
    const h = await harness({});
    const o = await unary<PingResponse>((m, opt, cb) => h.client.pingEmpty({}, m, opt, cb));
    expect([o.status.code, o.status.details]).toEqual([
      status.UNIMPLEMENTED,
      "The server does not implement the method pingEmpty",
    ]);
    expect(await counts(h, "PingEmpty")).toEqual({ started: 1, received: 1, sent: 0, handled: { Unimplemented: 1 } });
  });
});

describe("server streaming", () => {
  it("counts a success: one received, one sent per message, OK", async () => {
    const h = await harness(testService, { handlingTimeHistogram: true });
    const o = await drain(h.client.pingList(req(), md(), { deadline: deadline() }));
    expect([o.status.code, o.messages.length]).toEqual([status.OK, 20]);
    expect(await counts(h, "PingList")).toEqual({ started: 1, received: 1, sent: 20, handled: { OK: 1 } });
    expect(await h.value("grpc_server_handling_seconds_count", "PingList")).toBe(1);
  });

  it("counts an emitted error with its code", async () => {
    const h = await harness(testService);
    const o = await drain(h.client.pingList(req({ errorCodeReturned: 9 }), md(), { deadline: deadline() }));
    expect([o.status.code, o.status.details]).toEqual([status.FAILED_PRECONDITION, "foobar"]);
    expect(await counts(h, "PingList")).toEqual({
      started: 1,
      received: 1,
      sent: 0,
      handled: { FailedPrecondition: 1 },
    });
  });

  it("counts a client cancel mid-stream as Canceled, with the messages sent before it", async () => {
    const h = await harness(testService);
    const call = h.client.pingList(req({ sleepTimeMs: 20 }), md(), { deadline: deadline() });
    const outcome = drain(call);
    await h.waitFor("grpc_server_msg_sent_total", "PingList", {}, 3);
    call.cancel();
    expect((await outcome).status.code).toBe(status.CANCELLED);
    await h.waitFor("grpc_server_handled_total", "PingList", { grpc_code: "Canceled" }, 1);
    const c = await counts(h, "PingList");
    expect(c.handled).toEqual({ Canceled: 1 });
    expect(c.sent).toBeGreaterThanOrEqual(3);
    expect(c.sent).toBeLessThan(20);
    // A message written as the cancel crossed it on the wire is sent but never received.
    expect(c.sent - (await outcome).messages.length).toBeOneOf([0, 1]);
  });

  it("counts a deadline passing mid-stream as DeadlineExceeded", async () => {
    const h = await harness(testService);
    const o = await drain(h.client.pingList(req({ sleepTimeMs: 30 }), md(), { deadline: deadline(150) }));
    expect(o.status.code).toBe(status.DEADLINE_EXCEEDED);
    await h.waitFor("grpc_server_handled_total", "PingList", { grpc_code: "DeadlineExceeded" }, 1);
    const c = await counts(h, "PingList");
    expect(c.handled).toEqual({ DeadlineExceeded: 1 });
    // A message written as the deadline passed is sent but never received.
    expect(c.sent - o.messages.length).toBeOneOf([0, 1]);
  });

  it("ends a stream whose async handler rejects with Unknown, after the messages it wrote", async () => {
    const h = await harness({
      async pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
        call.write({ Value: "a", counter: 0 });
        call.write({ Value: "b", counter: 1 });
        await Promise.resolve();
        throw new Error("async boom");
      },
    });
    const o = await drain(h.client.pingList(req(), md(), { deadline: deadline() }));
    expect([o.status.code, o.status.details, o.messages.length]).toEqual([status.UNKNOWN, "Unknown error", 2]);
    expect(await counts(h, "PingList")).toEqual({ started: 1, received: 1, sent: 2, handled: { Unknown: 1 } });
  });

  it("counts a handler that throws as Unknown", async () => {
    const h = await harness({
      pingList() {
        throw new Error("boom");
      },
    });
    const o = await drain(h.client.pingList(req(), md(), { deadline: deadline() }));
    expect(o.status.code).toBe(status.UNKNOWN);
    expect(await counts(h, "PingList")).toEqual({ started: 1, received: 1, sent: 0, handled: { Unknown: 1 } });
  });

  it("answers a missing method with Unimplemented and counts it", async () => {
    const h = await harness({});
    const o = await drain(h.client.pingList(req(), md(), { deadline: deadline() }));
    expect([o.status.code, o.status.details]).toEqual([
      status.UNIMPLEMENTED,
      "The server does not implement the method pingList",
    ]);
    expect(await counts(h, "PingList")).toEqual({ started: 1, received: 1, sent: 0, handled: { Unimplemented: 1 } });
  });
});

describe("client streaming", () => {
  it("counts a success: one received per message, one sent, OK", async () => {
    const h = await harness(testService);
    const o = await unary<PingResponse>((m, opt, cb) => {
      const c = h.client.pingClientStream(m, opt, cb);
      for (let i = 0; i < 5; i++) c.write(req());
      c.end();
      return c;
    });
    expect([o.status.code, o.messages[0]?.counter]).toEqual([status.OK, 5]);
    expect(await counts(h, "PingClientStream")).toEqual({ started: 1, received: 5, sent: 1, handled: { OK: 1 } });
  });

  it("counts an error with its code, and the messages read", async () => {
    const h = await harness(testService);
    const o = await unary<PingResponse>((m, opt, cb) => {
      const c = h.client.pingClientStream(m, opt, cb);
      c.write(req());
      c.write(req({ errorCodeReturned: 8 }));
      c.end();
      return c;
    });
    expect(o.status.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(await counts(h, "PingClientStream")).toEqual({
      started: 1,
      received: 2,
      sent: 0,
      handled: { ResourceExhausted: 1 },
    });
  });

  it("counts a client cancel mid-stream as Canceled", async () => {
    // This handler answers only when its input ends and, unlike the conformance
    // service, not at once (see the next test for why that matters).
    const h = await harness({ pingClientStream: slowClientStream });
    const c = h.client.pingClientStream(md(), { deadline: deadline() }, () => {});
    c.on("error", () => {});
    c.write(req());
    c.write(req());
    await h.waitFor("grpc_server_msg_received_total", "PingClientStream", {}, 2);
    c.cancel();
    await h.waitFor("grpc_server_handled_total", "PingClientStream", { grpc_code: "Canceled" }, 1);
    expect(await counts(h, "PingClientStream")).toEqual({ started: 1, received: 2, sent: 0, handled: { Canceled: 1 } });
  });

  it("counts Canceled for a handler that answers when grpc-js ends its input on a cancel", async () => {
    // grpc-js ends a server call's input when the client gives up (the client
    // half-closes, then resets the stream); a handler answering at the end of
    // its input answers a caller that has gone: the caller saw CANCELLED.
    const h = await harness(testService);
    const c = h.client.pingClientStream(md(), { deadline: deadline() }, () => {});
    const seen = new Promise<number>((resolve) => c.on("status", (s) => resolve(s.code)));
    c.on("error", () => {});
    c.write(req());
    await h.waitFor("grpc_server_msg_received_total", "PingClientStream", {}, 1);
    c.cancel();
    expect(await seen).toBe(status.CANCELLED);
    const got = await counts(h, "PingClientStream");
    // The answer may have been written before the reset arrived, or refused after it: both are what went out.
    expect(got.sent).toBeLessThanOrEqual(1);
    expect({ ...got, sent: 0 }).toEqual({ started: 1, received: 1, sent: 0, handled: { Canceled: 1 } });
  });

  it("counts a deadline passing mid-stream as DeadlineExceeded", async () => {
    // Answers a moment after its input ends: grpc-js ends the input when the client's reset arrives,
    // which under load can come before the server's own deadline (see docs/metrics.md on grpc-js).
    const h = await harness({ pingClientStream: slowClientStream });
    const o = await unary<PingResponse>((m, opt, cb) => {
      const c = h.client.pingClientStream(m, opt, cb);
      c.write(req());
      return c; // never half-closed: the deadline ends it
    }, 100);
    expect(o.status.code).toBe(status.DEADLINE_EXCEEDED);
    await h.waitFor("grpc_server_handled_total", "PingClientStream", { grpc_code: "DeadlineExceeded" }, 1);
    expect(await counts(h, "PingClientStream")).toEqual({
      started: 1,
      received: 1,
      sent: 0,
      handled: { DeadlineExceeded: 1 },
    });
  });
});

describe("bidi streaming", () => {
  /** pingPong writes n requests, the last with code, waiting for each echo, then half-closes. */
  async function pingPong(h: Harness, n: number, code = 0) {
    const call = h.client.pingStream(md(), { deadline: deadline() });
    const outcome = drain(call);
    const it = call[Symbol.asyncIterator]();
    for (let i = 0; i < n; i++) {
      call.write(req({ errorCodeReturned: i === n - 1 ? code : 0 }));
      const r = await it.next().catch(() => ({ done: true }));
      if (r.done) break;
    }
    call.end();
    return outcome;
  }

  it("counts a success: one received and one sent per message, OK", async () => {
    const h = await harness(testService);
    const o = await pingPong(h, 4);
    expect([o.status.code, o.messages.length]).toEqual([status.OK, 4]);
    expect(await counts(h, "PingStream")).toEqual({ started: 1, received: 4, sent: 4, handled: { OK: 1 } });
  });

  it("counts an emitted error with its code", async () => {
    const h = await harness(testService);
    const o = await pingPong(h, 3, 10);
    expect(o.status.code).toBe(status.ABORTED);
    expect(await counts(h, "PingStream")).toEqual({ started: 1, received: 3, sent: 2, handled: { Aborted: 1 } });
  });

  it("counts a client cancel mid-stream as Canceled", async () => {
    // Echoes, and ends a moment after its input ends (see client streaming for why).
    const h = await harness({ pingStream: slowEcho });
    const call = h.client.pingStream(md(), { deadline: deadline() });
    const outcome = drain(call);
    call.write(req());
    await h.waitFor("grpc_server_msg_sent_total", "PingStream", {}, 1);
    call.cancel();
    expect((await outcome).status.code).toBe(status.CANCELLED);
    await h.waitFor("grpc_server_handled_total", "PingStream", { grpc_code: "Canceled" }, 1);
    expect(await counts(h, "PingStream")).toEqual({ started: 1, received: 1, sent: 1, handled: { Canceled: 1 } });
  });

  it("counts a deadline passing mid-stream as DeadlineExceeded", async () => {
    // Ends a moment after its input ends, as above.
    const h = await harness({ pingStream: slowEcho });
    const call = h.client.pingStream(md(), { deadline: deadline(150) });
    const outcome = drain(call);
    call.write(req());
    expect((await outcome).status.code).toBe(status.DEADLINE_EXCEEDED);
    await h.waitFor("grpc_server_handled_total", "PingStream", { grpc_code: "DeadlineExceeded" }, 1);
    expect(await counts(h, "PingStream")).toEqual({
      started: 1,
      received: 1,
      sent: 1,
      handled: { DeadlineExceeded: 1 },
    });
  });

  it("answers a missing method with Unimplemented and counts it", async () => {
    const h = await harness({});
    const o = await drain(h.client.pingStream(md(), { deadline: deadline() }));
    expect(o.status.code).toBe(status.UNIMPLEMENTED);
    expect(await counts(h, "PingStream")).toEqual({ started: 1, received: 0, sent: 0, handled: { Unimplemented: 1 } });
  });
});

describe("the grpc_code histogram option", () => {
  it("labels the handling-time histogram with grpc_code, every code present from the start", async () => {
    const h = await harness(testService, { handlingTimeHistogram: { withGrpcCode: true } });
    for (const code of grpcCodeNames) {
      expect(await h.value("grpc_server_handling_seconds_count", "PingError", { grpc_code: code })).toBe(0);
    }
    await unary<Empty>((m, opt, cb) => h.client.pingError(req({ errorCodeReturned: 5 }), m, opt, cb));
    await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(await h.value("grpc_server_handling_seconds_count", "PingError", { grpc_code: "NotFound" })).toBe(1);
    expect(
      await h.value("grpc_server_handling_seconds_bucket", "PingError", { grpc_code: "NotFound", le: "+Inf" }),
    ).toBe(1);
    expect(await h.value("grpc_server_handling_seconds_count", "PingError", { grpc_code: "OK" })).toBe(0);
    expect(await h.value("grpc_server_handling_seconds_count", "Ping", { grpc_code: "OK" })).toBe(1);
  });

  it("uses the buckets given", async () => {
    const h = await harness(testService, { handlingTimeHistogram: { buckets: [0.5, 30] } });
    await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    const les = [...(await h.scrape()).series.keys()]
      .filter((k) => k.startsWith("grpc_server_handling_seconds_bucket") && k.includes('"Ping"'))
      .map((k) => /le="([^"]*)"/.exec(k)![1]);
    expect(les).toEqual(["0.5", "30", "+Inf"]);
    expect(await h.value("grpc_server_handling_seconds_bucket", "Ping", { le: "0.5" })).toBe(1);
  });
});

describe("labels", () => {
  it("adds constLabels to every series", async () => {
    const h = await harness(testService, { constLabels: { zone: "eu-1" }, handlingTimeHistogram: true });
    const keys = [...(await h.scrape()).series.keys()];
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(k).toContain('zone="eu-1"');
    await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(await h.value("grpc_server_started_total", "Ping", { zone: "eu-1" })).toBe(1);
  });

  it("labels each method with its own call type, and no other", async () => {
    const h = await harness(testService);
    const started = [...(await h.scrape()).series.keys()].filter((k) => k.startsWith("grpc_server_started_total{"));
    expect(started.sort()).toEqual(
      methods
        .map(([m, type]) =>
          key("grpc_server_started_total", { grpc_method: m, grpc_service: service, grpc_type: type }),
        )
        .sort(),
    );
  });
});
