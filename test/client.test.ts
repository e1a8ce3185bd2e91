import { createServer as createHttp2Server } from "node:http2";
import { createServer } from "node:net";
import {
  credentials,
  InterceptingCall,
  type Interceptor,
  Metadata,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type ServiceError,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { Registry, register } from "prom-client";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { ClientMetrics, defaultClientMetrics, grpcCodeNames } from "../runtime/index.js";
import { type Empty, type PingRequest, type PingResponse, TestServiceClient } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient } from "../testdata/gen/test_grpc_prom.js";
import { drain, pingRequest, unary } from "./support/calls.js";
import { type ClientHarness, clientHarness } from "./support/client-harness.js";
import { key, scrape } from "./support/exposition.js";
import { labels, methods } from "./support/harness.js";
import { deadline } from "./support/server.js";
import { listResponses } from "./support/test-service.js";

const req = pingRequest;
const md = () => new Metadata();

/** clientStream sends n requests, the last with code, half-closes, and resolves with what the caller saw. */
function clientStream(h: ClientHarness, n: number, code = 0) {
  return unary<PingResponse>((m, o, cb) => {
    const c = h.client.pingClientStream(m, o, cb);
    for (let i = 0; i < n; i++) c.write(req({ errorCodeReturned: i === n - 1 ? code : 0 }));
    c.end();
    return c;
  });
}

/** pingPong writes n requests, the last with code, waiting for each echo, then half-closes and drains. */
async function pingPong(h: ClientHarness, n: number, code = 0) {
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

/** closedPort returns a loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("pre-registration", () => {
  it("exposes every label set of every method at 0 from construction", async () => {
    const h = await clientHarness({
      handlingTimeHistogram: true,
      streamReceiveTimeHistogram: true,
      streamSendTimeHistogram: true,
    });
    const families = new Map<string, number>();
    for (const [k, v] of (await h.scrape()).series) {
      expect(v).toBe(0);
      const name = k.slice(0, k.indexOf("{"));
      families.set(name, (families.get(name) ?? 0) + 1);
    }
    expect(Object.fromEntries(families)).toEqual({
      grpc_client_started_total: 6,
      grpc_client_handled_total: 6 * 17,
      grpc_client_msg_received_total: 6,
      grpc_client_msg_sent_total: 6,
      grpc_client_handling_seconds_bucket: 6 * 12,
      grpc_client_handling_seconds_sum: 6,
      grpc_client_handling_seconds_count: 6,
      // The per-message histograms exist for streaming methods only, as in Go.
      grpc_client_msg_recv_handling_seconds_bucket: 3 * 12,
      grpc_client_msg_recv_handling_seconds_sum: 3,
      grpc_client_msg_recv_handling_seconds_count: 3,
      grpc_client_msg_send_handling_seconds_bucket: 3 * 12,
      grpc_client_msg_send_handling_seconds_sum: 3,
      grpc_client_msg_send_handling_seconds_count: 3,
    });
    for (const [method] of methods) {
      for (const code of grpcCodeNames) {
        expect(await h.value("grpc_client_handled_total", method, { grpc_code: code })).toBe(0);
      }
    }
  });
});

describe("unary", () => {
  it("counts a success: one sent, one received, OK", async () => {
    const h = await clientHarness({ handlingTimeHistogram: true });
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(o.status.code).toBe(status.OK);
    expect(await h.counts("Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
    expect(await h.value("grpc_client_handling_seconds_count", "Ping")).toBe(1);
  });

  it("counts a server error with its code and no message received (Go counts one: #86)", async () => {
    const h = await clientHarness();
    const o = await unary<Empty>((m, opt, cb) => h.client.pingError(req({ errorCodeReturned: 5 }), m, opt, cb));
    expect(o.status.code).toBe(status.NOT_FOUND);
    expect(await h.counts("PingError")).toEqual({ started: 1, received: 0, sent: 1, handled: { NotFound: 1 } });
  });

  it("counts a passed deadline as DeadlineExceeded", async () => {
    const h = await clientHarness({ handlingTimeHistogram: true });
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req({ sleepTimeMs: 500 }), m, opt, cb), 50);
    expect(o.status.code).toBe(status.DEADLINE_EXCEEDED);
    expect(await h.counts("Ping")).toEqual({ started: 1, received: 0, sent: 1, handled: { DeadlineExceeded: 1 } });
    expect(await h.value("grpc_client_handling_seconds_count", "Ping")).toBe(1);
  });

  it("counts call.cancel() as Canceled", async () => {
    const h = await clientHarness();
    const o = await unary<PingResponse>((m, opt, cb) => {
      const c = h.client.ping(req({ sleepTimeMs: 2_000 }), m, opt, cb);
      setImmediate(() => c.cancel());
      return c;
    });
    expect(o.status.code).toBe(status.CANCELLED);
    expect(await h.counts("Ping")).toEqual({ started: 1, received: 0, sent: 1, handled: { Canceled: 1 } });
  });

  it("counts a call to an address nothing listens on as Unavailable", async () => {
    const h = await clientHarness({}, { address: `127.0.0.1:${await closedPort()}` });
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(o.status.code).toBe(status.UNAVAILABLE);
    const c = await h.counts("Ping");
    expect(c).toEqual({ started: 1, received: 0, sent: c.sent, handled: { Unavailable: 1 } });
  });
});

describe("server streaming", () => {
  it("counts a success: one sent, one received per message, OK; Go's receive and send timings", async () => {
    const h = await clientHarness({ streamReceiveTimeHistogram: true, streamSendTimeHistogram: true });
    const o = await drain(h.client.pingList(req(), md(), { deadline: deadline() }));
    expect([o.status.code, o.messages.length]).toEqual([status.OK, listResponses]);
    expect(await h.counts("PingList")).toEqual({ started: 1, received: 20, sent: 1, handled: { OK: 1 } });
    // 20 messages and the end of the stream, as Go's RecvMsg loop; one send, the request.
    expect(await h.value("grpc_client_msg_recv_handling_seconds_count", "PingList")).toBe(21);
    expect(await h.value("grpc_client_msg_send_handling_seconds_count", "PingList")).toBe(1);
  });

  it("counts a server error with its code", async () => {
    const h = await clientHarness({ streamReceiveTimeHistogram: true });
    const o = await drain(h.client.pingList(req({ errorCodeReturned: 9 }), md(), { deadline: deadline() }));
    expect(o.status.code).toBe(status.FAILED_PRECONDITION);
    expect(await h.counts("PingList")).toEqual({
      started: 1,
      received: 0,
      sent: 1,
      handled: { FailedPrecondition: 1 },
    });
    expect(await h.value("grpc_client_msg_recv_handling_seconds_count", "PingList")).toBe(1);
  });

  it("counts a stream the caller cancels mid-way as Canceled (Go never counts it)", async () => {
    const h = await clientHarness();
    const call = h.client.pingList(req({ sleepTimeMs: 20 }), md(), { deadline: deadline() });
    const outcome = drain(call);
    let seen = 0;
    call.on("data", () => {
      if (++seen === 3) call.cancel();
    });
    const o = await outcome;
    expect(o.status.code).toBe(status.CANCELLED);
    expect(await h.counts("PingList")).toEqual({
      started: 1,
      received: o.messages.length,
      sent: 1,
      handled: { Canceled: 1 },
    });
    expect(o.messages.length).toBeGreaterThanOrEqual(3);
  });

  it("counts a stream the caller abandons, when its deadline ends it, as DeadlineExceeded (Go never counts it)", async () => {
    const h = await clientHarness();
    // Nobody reads: grpc-js stops asking for messages once its buffer is full, and the deadline ends the call.
    const call = h.client.pingList(req(), md(), { deadline: deadline(300) });
    const ended = new Promise((resolve) => call.on("status", resolve));
    call.on("error", () => {});
    await ended;
    const c = await h.counts("PingList");
    expect(c.started).toBe(1);
    expect(c.handled).toEqual({ DeadlineExceeded: 1 });
  });

  it("counts a deadline passing mid-stream as DeadlineExceeded", async () => {
    const h = await clientHarness();
    const o = await drain(h.client.pingList(req({ sleepTimeMs: 30 }), md(), { deadline: deadline(150) }));
    expect(o.status.code).toBe(status.DEADLINE_EXCEEDED);
    expect(await h.counts("PingList")).toEqual({
      started: 1,
      received: o.messages.length,
      sent: 1,
      handled: { DeadlineExceeded: 1 },
    });
  });

  it("counts a stream to an address nothing listens on as Unavailable", async () => {
    const h = await clientHarness({}, { address: `127.0.0.1:${await closedPort()}` });
    const o = await drain(h.client.pingList(req(), md(), { deadline: deadline() }));
    expect(o.status.code).toBe(status.UNAVAILABLE);
    const c = await h.counts("PingList");
    expect([c.started, c.received, c.handled]).toEqual([1, 0, { Unavailable: 1 }]);
  });
});

describe("client streaming", () => {
  it("counts a success as handled OK (Go never does: #92), one received, one sent per message", async () => {
    const h = await clientHarness({
      handlingTimeHistogram: true,
      streamReceiveTimeHistogram: true,
      streamSendTimeHistogram: true,
    });
    const o = await clientStream(h, 5);
    expect([o.status.code, o.messages[0]?.counter]).toEqual([status.OK, 5]);
    expect(await h.counts("PingClientStream")).toEqual({ started: 1, received: 1, sent: 5, handled: { OK: 1 } });
    expect(await h.value("grpc_client_handling_seconds_count", "PingClientStream")).toBe(1);
    expect(await h.value("grpc_client_msg_recv_handling_seconds_count", "PingClientStream")).toBe(1);
    expect(await h.value("grpc_client_msg_send_handling_seconds_count", "PingClientStream")).toBe(5);
  });

  it("counts a server error with its code", async () => {
    const h = await clientHarness({ streamReceiveTimeHistogram: true });
    const o = await clientStream(h, 2, 8);
    expect(o.status.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(await h.counts("PingClientStream")).toEqual({
      started: 1,
      received: 0,
      sent: 2,
      handled: { ResourceExhausted: 1 },
    });
    expect(await h.value("grpc_client_msg_recv_handling_seconds_count", "PingClientStream")).toBe(1);
  });

  it("counts a cancel mid-stream as Canceled", async () => {
    const h = await clientHarness();
    const o = await unary<PingResponse>((m, opt, cb) => {
      const c = h.client.pingClientStream(m, opt, cb);
      c.write(req());
      c.write(req());
      setTimeout(() => c.cancel(), 20);
      return c;
    });
    expect(o.status.code).toBe(status.CANCELLED);
    expect(await h.counts("PingClientStream")).toEqual({ started: 1, received: 0, sent: 2, handled: { Canceled: 1 } });
  });

  it("counts a passed deadline as DeadlineExceeded", async () => {
    const h = await clientHarness();
    const o = await unary<PingResponse>((m, opt, cb) => {
      const c = h.client.pingClientStream(m, opt, cb);
      c.write(req());
      return c;
    }, 100);
    expect(o.status.code).toBe(status.DEADLINE_EXCEEDED);
    expect(await h.counts("PingClientStream")).toEqual({
      started: 1,
      received: 0,
      sent: 1,
      handled: { DeadlineExceeded: 1 },
    });
  });
});

describe("bidi streaming", () => {
  it("counts a success: one sent and one received per message, OK", async () => {
    const h = await clientHarness({ streamReceiveTimeHistogram: true, streamSendTimeHistogram: true });
    const o = await pingPong(h, 4);
    expect([o.status.code, o.messages.length]).toEqual([status.OK, 4]);
    expect(await h.counts("PingStream")).toEqual({ started: 1, received: 4, sent: 4, handled: { OK: 1 } });
    expect(await h.value("grpc_client_msg_recv_handling_seconds_count", "PingStream")).toBe(5);
    expect(await h.value("grpc_client_msg_send_handling_seconds_count", "PingStream")).toBe(4);
  });

  it("counts a server error with its code", async () => {
    const h = await clientHarness();
    const o = await pingPong(h, 3, 10);
    expect(o.status.code).toBe(status.ABORTED);
    expect(await h.counts("PingStream")).toEqual({ started: 1, received: 2, sent: 3, handled: { Aborted: 1 } });
  });

  it("counts a cancel mid-stream as Canceled (Go never counts it)", async () => {
    const h = await clientHarness();
    const call = h.client.pingStream(md(), { deadline: deadline() });
    const outcome = drain(call);
    call.write(req());
    call.once("data", () => call.cancel());
    const o = await outcome;
    expect(o.status.code).toBe(status.CANCELLED);
    expect(await h.counts("PingStream")).toEqual({ started: 1, received: 1, sent: 1, handled: { Canceled: 1 } });
  });

  it("counts a passed deadline as DeadlineExceeded", async () => {
    const h = await clientHarness();
    const call = h.client.pingStream(md(), { deadline: deadline(100) });
    const outcome = drain(call);
    call.write(req());
    expect((await outcome).status.code).toBe(status.DEADLINE_EXCEEDED);
    expect(await h.counts("PingStream")).toEqual({
      started: 1,
      received: 1,
      sent: 1,
      handled: { DeadlineExceeded: 1 },
    });
  });

  it("counts a stream to an address nothing listens on as Unavailable", async () => {
    const h = await clientHarness({}, { address: `127.0.0.1:${await closedPort()}` });
    const call = h.client.pingStream(md(), { deadline: deadline() });
    const outcome = drain(call);
    call.write(req());
    call.end();
    expect((await outcome).status.code).toBe(status.UNAVAILABLE);
    const c = await h.counts("PingStream");
    expect([c.started, c.received, c.handled]).toEqual([1, 0, { Unavailable: 1 }]);
  });
});

describe("every call that ended is handled", () => {
  it("has started equal to the sum of handled, per method, after a mix of calls", async () => {
    const h = await clientHarness();
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 5; i++) {
      calls.push(unary<PingResponse>((m, o, cb) => h.client.ping(req(), m, o, cb)));
      calls.push(unary<Empty>((m, o, cb) => h.client.pingError(req({ errorCodeReturned: 1 + i }), m, o, cb)));
      calls.push(unary<PingResponse>((m, o, cb) => h.client.ping(req({ sleepTimeMs: 200 }), m, o, cb), 20));
      calls.push(drain(h.client.pingList(req({ errorCodeReturned: i % 2 ? 3 : 0 }), md(), { deadline: deadline() })));
      calls.push(clientStream(h, 3, i % 2 ? 7 : 0));
      calls.push(pingPong(h, 2, i % 2 ? 10 : 0));
      const c = h.client.pingList(req({ sleepTimeMs: 10 }), md(), { deadline: deadline() });
      const o = drain(c);
      c.once("data", () => c.cancel());
      calls.push(o);
    }
    await Promise.all(calls);
    for (const [method] of methods) {
      const c = await h.counts(method);
      const handled = Object.values(c.handled).reduce((a, b) => a + b, 0);
      expect(handled, method).toBe(c.started);
    }
    expect((await h.counts("PingList")).started).toBe(10);
  });
});

describe("interceptors", () => {
  /** counting returns an interceptor that counts the calls it sees, and a flag it sets on their metadata. */
  function counting() {
    const seen: string[] = [];
    const interceptor: Interceptor = (options, nextCall) => {
      seen.push(options.method_definition.path);
      return new InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          metadata.set("x-seen", "yes");
          next(metadata, listener);
        },
      });
    };
    return { seen, interceptor };
  }

  /** echoing answers Ping with the x-seen header it got, so a test sees that the caller's interceptor ran. */
  const echoing = {
    ping(call: ServerUnaryCall<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
      cb(null, { Value: String(call.metadata.get("x-seen")[0] ?? "no"), counter: 0 });
    },
    pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
      call.end();
    },
  };

  it("keeps the caller's client interceptors working, and counts once", async () => {
    const mine = counting();
    const h = await clientHarness({}, { impl: echoing as never, clientOptions: { interceptors: [mine.interceptor] } });
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(o.messages[0]?.Value).toBe("yes");
    expect(mine.seen).toEqual(["/mwitkow.testproto.TestService/Ping"]);
    expect(await h.counts("Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
  });

  it("keeps the caller's interceptor_providers working, and counts once", async () => {
    const mine = counting();
    const h = await clientHarness(
      {},
      { impl: echoing as never, clientOptions: { interceptor_providers: [() => mine.interceptor] } },
    );
    const o = await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(o.messages[0]?.Value).toBe("yes");
    expect(await h.counts("Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
  });

  it("keeps counting when a call passes its own interceptors, which replace the client's in grpc-js", async () => {
    const clientLevel = counting();
    const callLevel = counting();
    const h = await clientHarness(
      {},
      { impl: echoing as never, clientOptions: { interceptors: [clientLevel.interceptor] } },
    );
    const options = { deadline: deadline(), interceptors: [callLevel.interceptor] };
    const o = await new Promise<PingResponse | undefined>((resolve) =>
      h.client.ping(req(), md(), options, (_err, res) => resolve(res)),
    );
    expect(o?.Value).toBe("yes");
    expect([clientLevel.seen.length, callLevel.seen.length]).toEqual([0, 1]);
    // The caller's options object is left as it was.
    expect(options.interceptors).toEqual([callLevel.interceptor]);
    const call = h.client.pingStream(md(), {
      deadline: deadline(),
      interceptor_providers: [() => callLevel.interceptor],
    });
    await drain(call);
    expect(await h.counts("Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
    expect((await h.counts("PingStream")).handled).toEqual({ OK: 1 });
  });

  it("keeps the caller's callInvocationTransformer", async () => {
    let transformed = 0;
    const h = await clientHarness(
      {},
      {
        clientOptions: {
          callInvocationTransformer: (props) => {
            transformed++;
            return props;
          },
        },
      },
    );
    await unary<PingResponse>((m, opt, cb) => h.client.ping(req(), m, opt, cb));
    expect(transformed).toBe(1);
    expect((await h.counts("Ping")).handled).toEqual({ OK: 1 });
  });
});

describe("calls grpc-js refuses or completes itself", () => {
  it("throws as before on a closed client, and counts nothing", async () => {
    const h = await clientHarness();
    h.client.close();
    expect(() => h.client.ping(req(), md(), { deadline: deadline() }, () => {})).toThrow("Channel has been shut down");
    expect(() => h.client.pingList(req(), md(), { deadline: deadline() })).toThrow("Channel has been shut down");
    for (const m of ["Ping", "PingList"] as const) {
      expect(await h.counts(m)).toEqual({ started: 0, received: 0, sent: 0, handled: {} });
    }
  });

  it("counts what the caller sees when a server ends a one-response call OK without a response: Unimplemented", async () => {
    // A server no gRPC library would let one write: headers, no message, then grpc-status 0.
    const server = createHttp2Server();
    server.on("stream", (stream) => {
      stream.resume();
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const address = `127.0.0.1:${(server.address() as { port: number }).port}`;
    const noop: Interceptor = (options, nextCall) => new InterceptingCall(nextCall(options));
    // Without interceptors and with one, unary calls are recorded in two ways: both must agree with the caller.
    for (const clientOptions of [{}, { interceptors: [noop] }]) {
      const h = await clientHarness({}, { address, clientOptions });
      // What the callback gets (the "status" event still carries the server's OK).
      const pingError = await new Promise<ServiceError | null>((resolve) =>
        h.client.ping(req(), md(), { deadline: deadline() }, (err) => resolve(err)),
      );
      expect(pingError?.code).toBe(status.UNIMPLEMENTED);
      const streamError = await new Promise<ServiceError | null>((resolve) => {
        const c = h.client.pingClientStream(md(), { deadline: deadline() }, (err) => resolve(err));
        c.write(req());
        c.write(req());
        c.end();
      });
      expect(streamError?.code).toBe(status.UNIMPLEMENTED);
      expect(await h.counts("Ping")).toEqual({ started: 1, received: 0, sent: 1, handled: { Unimplemented: 1 } });
      expect(await h.counts("PingClientStream")).toEqual({
        started: 1,
        received: 0,
        sent: 2,
        handled: { Unimplemented: 1 },
      });
    }
  });

  it("keeps counting unary calls that bring their own interceptor_providers", async () => {
    const seen: string[] = [];
    const provider = () =>
      ((options, nextCall) => {
        seen.push(options.method_definition.path);
        return new InterceptingCall(nextCall(options));
      }) satisfies Interceptor;
    const h = await clientHarness();
    const o = await unary<PingResponse>((m, opt, cb) =>
      h.client.ping(req(), m, { ...opt, interceptor_providers: [provider] }, cb),
    );
    expect(o.status.code).toBe(status.OK);
    expect(seen).toEqual(["/mwitkow.testproto.TestService/Ping"]);
    expect(await h.counts("Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
  });
});

describe("InstrumentedXClient instances", () => {
  it("are ts-proto's XClient: same methods, close(), waitForReady(), getChannel()", async () => {
    const h = await clientHarness();
    expect(h.client).toBeInstanceOf(TestServiceClient);
    await new Promise<void>((resolve, reject) =>
      h.client.waitForReady(deadline(), (err) => (err ? reject(err) : resolve())),
    );
    expect(h.client.getChannel().getTarget()).toContain(h.address);
    expect(typeof h.client.pingEmpty).toBe("function");
  });

  it("share one table of series per ClientMetrics, however many are made", async () => {
    const h = await clientHarness();
    const before = (await h.scrape()).series.size;
    for (let i = 0; i < 3; i++)
      new InstrumentedTestServiceClient(h.address, credentials.createInsecure(), {}, h.metrics).close();
    expect((await h.scrape()).series.size).toBe(before);
  });
});

describe("ClientMetrics construction and the default", () => {
  afterEach(() => register.clear());

  it("fails at construction on a registry that has the metrics, an unknown option or bad buckets", () => {
    const registry = new Registry();
    new ClientMetrics({ registry });
    expect(() => new ClientMetrics({ registry })).toThrow(
      "ClientMetrics: the registry already has a metric named grpc_client_started_total.",
    );
    const fresh = new Registry();
    expect(() => new ClientMetrics({ registry: fresh, streamHistogram: true } as never)).toThrow(
      'ClientMetrics: unknown option "streamHistogram"; the options are registry, handlingTimeHistogram, streamReceiveTimeHistogram, streamSendTimeHistogram, constLabels, namespace, subsystem, preregisteredCodes',
    );
    expect(() => new ClientMetrics({ registry: fresh, streamSendTimeHistogram: { buckets: [2, 1] } })).toThrow(
      "ClientMetrics streamSendTimeHistogram: buckets must be strictly increasing, but 1 follows 2",
    );
    expect(
      () => new ClientMetrics({ registry: fresh, streamReceiveTimeHistogram: { withGrpcCode: true } as never }),
    ).toThrow('ClientMetrics streamReceiveTimeHistogram: unknown option "withGrpcCode"; the options are buckets');
    expect(fresh.getMetricsAsArray()).toEqual([]);
  });

  it("uses a ClientMetrics made on prom-client's global register on first use, not at import", async () => {
    expect(register.getSingleMetric("grpc_client_started_total")).toBeUndefined();
    const h = await clientHarness();
    const client = new InstrumentedTestServiceClient(h.address, credentials.createInsecure());
    onTestFinished(() => client.close());
    expect(defaultClientMetrics().registry).toBe(register);
    await unary<PingResponse>((m, opt, cb) => client.ping(req(), m, opt, cb));
    expect((await scrape(register)).series.get(key("grpc_client_started_total", labels("Ping")))).toBe(1);
    // The harness's own ClientMetrics saw nothing of it.
    expect(await h.value("grpc_client_started_total", "Ping")).toBe(0);
  });
});
