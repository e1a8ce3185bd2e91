// The server counts what went over the wire: the status the caller received
// and the messages grpc-js wrote, on every path where grpc-js, an
// interceptor or a peer decides how a call ends, and what the caller sees is
// the same as without the metrics.
import {
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServerDuplexStream,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServerOptions,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  type sendUnaryData,
  status,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { describe, expect, it, onTestFinished } from "vitest";
import { ServerMetrics } from "../runtime/index.js";
import {
  type PingRequest,
  type PingResponse,
  TestServiceClient,
  type TestServiceServer,
  TestServiceService,
} from "../testdata/gen/test.js";
import { instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { drain, type Outcome, summary, unary } from "./support/calls.js";
import { codesOf, key, scrape, settled } from "./support/exposition.js";
import { labels, type MethodName } from "./support/harness.js";
import { deadline, startServer } from "./support/server.js";
import { sleep } from "./support/wait.js";

const req = (value = "something"): PingRequest => ({ value, sleepTimeMs: 0, errorCodeReturned: 0 });
const resp = (value = "answer"): PingResponse => ({ Value: value, counter: 1 });
const md = () => new Metadata();

/** RawClient is a client of the conformance service that sends and receives bytes as they are. */
interface RawClient {
  ping(b: Buffer, md: Metadata, o: object, cb: (e: ServiceError | null, r?: Buffer) => void): never;
  pingList(b: Buffer, md: Metadata, o: object): never;
  pingClientStream(md: Metadata, o: object, cb: (e: ServiceError | null, r?: Buffer) => void): never;
  pingStream(md: Metadata, o: object): never;
}
const bytes = (b: Buffer) => b;
const RawClient = makeGenericClientConstructor(
  Object.fromEntries(
    Object.entries(TestServiceService).map(([k, d]) => [
      k,
      { ...d, requestSerialize: bytes, responseDeserialize: bytes },
    ]),
  ),
  "raw",
) as unknown as new (
  address: string,
  creds: ReturnType<typeof credentials.createInsecure>,
) => RawClient;

/** undecodable is a PingRequest whose first field claims more bytes than follow: ts-proto's decode throws. */
const undecodable = Buffer.from([0x0a, 0x7f, 0x61]);
/** big is a 200-byte value, for a PingRequest or PingResponse over a 100-byte message limit. */
const big = "x".repeat(200);

type Counts = { started: number; received: number; sent: number; handled: Record<string, number> };
type Run = (address: string) => Promise<Outcome<unknown>>;

/**
 * twin runs the same call on a plain server and on one instrumented with a
 * fresh Registry, both made with the same options, and returns what each
 * caller saw and what the instrumented server counted for the method.
 */
async function twin(
  method: MethodName,
  impl: Partial<TestServiceServer>,
  run: Run,
  options?: ServerOptions,
  withPlain = true,
): Promise<{ plain: unknown; ours: unknown; code: number; counts: Counts }> {
  const registry = new Registry();
  const metrics = new ServerMetrics({ registry });
  const serve = async (wrap: boolean) => {
    const running = await startServer((s) => {
      const i = impl as TestServiceServer;
      s.addService(
        TestServiceService,
        (wrap ? instrumentTestServiceServer(i, metrics) : i) as UntypedServiceImplementation,
      );
    }, options);
    onTestFinished(() => running.close());
    return running.address;
  };
  const plain = withPlain ? await run(await serve(false)) : undefined;
  const ours = await run(await serve(true));
  const e = await settled(() => scrape(registry));
  const v = (name: string) => e.series.get(key(name, labels(method)))!;
  return {
    plain: plain && summary(plain),
    ours: summary(ours),
    code: ours.status.code,
    counts: {
      started: v("grpc_server_started_total"),
      received: v("grpc_server_msg_received_total"),
      sent: v("grpc_server_msg_sent_total"),
      handled: codesOf(e, "grpc_server_handled_total", method),
    },
  };
}

/** clients makes a ts-proto client and a raw client of address, closed when the test ends. */
function clients(address: string) {
  const c = new TestServiceClient(address, credentials.createInsecure());
  const raw = new RawClient(address, credentials.createInsecure());
  onTestFinished(() => {
    c.close();
    (raw as unknown as { close(): void }).close();
  });
  return { c, raw };
}

// One call of each type, as a caller makes it; `request` is what each request message is.
const calls = {
  unary:
    (request: PingRequest | Buffer): Run =>
    (a) => {
      const { c, raw } = clients(a);
      return unary((m, o, cb) => (Buffer.isBuffer(request) ? raw.ping(request, m, o, cb) : c.ping(request, m, o, cb)));
    },
  serverStream:
    (request: PingRequest | Buffer): Run =>
    (a) => {
      const { c, raw } = clients(a);
      const o = { deadline: deadline() };
      return drain(Buffer.isBuffer(request) ? raw.pingList(request, md(), o) : c.pingList(request, md(), o));
    },
  clientStream:
    (requests: (PingRequest | Buffer)[]): Run =>
    (a) => {
      const { c, raw } = clients(a);
      return unary((m, o, cb) => {
        const call = Buffer.isBuffer(requests[0]) ? raw.pingClientStream(m, o, cb) : c.pingClientStream(m, o, cb);
        for (const r of requests) (call as { write(r: unknown): void }).write(r);
        (call as { end(): void }).end();
        return call;
      });
    },
  bidi:
    (requests: (PingRequest | Buffer)[]): Run =>
    (a) => {
      const { c, raw } = clients(a);
      const o = { deadline: deadline() };
      const call = Buffer.isBuffer(requests[0]) ? raw.pingStream(md(), o) : c.pingStream(md(), o);
      const outcome = drain(call);
      for (const r of requests) (call as { write(r: unknown): void }).write(r);
      (call as { end(): void }).end();
      return outcome;
    },
};

// Canonical handlers: echo each message (bidi) or count them (client streaming), answer at the end of input.
const echo = {
  ping: (call: ServerUnaryCall<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) =>
    cb(null, resp(call.request.value)),
  pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
    call.write(resp(call.request.value));
    call.end();
  },
  pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
    let n = 0;
    call.on("data", () => n++);
    call.on("end", () => cb(null, { Value: "", counter: n }));
  },
  pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
    call.on("data", (r: PingRequest) => call.write(resp(r.value)));
    call.on("end", () => call.end());
  },
} satisfies Partial<TestServiceServer>;

describe("a client that cancels", () => {
  it("counts Canceled on a client-streaming call whose handler answers at the end of its input", async () => {
    const t = await twin("PingClientStream", echo, cancelAfterFirst("pingClientStream"));
    expect(t.ours).toEqual(t.plain);
    expect(t.code).toBe(status.CANCELLED);
    expect({ ...t.counts, sent: 0 }).toEqual({ started: 1, received: 1, sent: 0, handled: { Canceled: 1 } });
    // The answer may have been written before the reset arrived, or refused after it.
    expect(t.counts.sent).toBeLessThanOrEqual(1);
  });

  it("counts Canceled on a bidi call whose handler echoes and ends at the end of its input", async () => {
    const t = await twin("PingStream", echo, cancelAfterFirst("pingStream"));
    expect(t.ours).toEqual({ ...(t.plain as object), messages: (t.ours as { messages: unknown[] }).messages });
    expect(t.code).toBe(status.CANCELLED);
    expect(t.counts).toEqual({ started: 1, received: 1, sent: 1, handled: { Canceled: 1 } });
  });
});

/** cancelAfterFirst writes one request, waits for the server to have it (its echo, or a moment), and cancels. */
function cancelAfterFirst(method: "pingClientStream" | "pingStream"): Run {
  return (a) => {
    const { c } = clients(a);
    return new Promise((resolve) => {
      const messages: unknown[] = [];
      let headers: Record<string, unknown> | undefined;
      const call =
        method === "pingStream"
          ? c.pingStream(md(), { deadline: deadline() })
          : c.pingClientStream(md(), { deadline: deadline() }, () => {});
      call.on("metadata", (m: Metadata) => (headers = m.getMap()));
      call.on("error", () => {});
      call.on("status", (s) => resolve({ messages, status: s, headers }));
      call.write(req());
      if (method === "pingStream") {
        call.on("data", (m: unknown) => {
          messages.push(m);
          call.cancel();
        });
      } else setTimeout(() => call.cancel(), 50);
    });
  };
}

describe("a request grpc-js cannot read", () => {
  it("counts Internal on a client-streaming call sent a request that does not decode", async () => {
    const t = await twin("PingClientStream", echo, calls.clientStream([undecodable]));
    expect(t.ours).toEqual(t.plain);
    expect(t.code).toBe(status.INTERNAL);
    expect(t.counts).toEqual({ started: 1, received: 0, sent: 0, handled: { Internal: 1 } });
  });

  it("counts Internal on a bidi call sent a request that does not decode", async () => {
    const t = await twin("PingStream", echo, calls.bidi([undecodable]));
    expect(t.ours).toEqual(t.plain);
    expect(t.code).toBe(status.INTERNAL);
    expect(t.counts).toEqual({ started: 1, received: 0, sent: 0, handled: { Internal: 1 } });
  });

  const small = { "grpc.max_receive_message_length": 100 };
  it("counts ResourceExhausted on a client-streaming call sent a message over max_receive_message_length", async () => {
    const t = await twin("PingClientStream", echo, calls.clientStream([req(), req(big)]), small);
    expect(t.ours).toEqual(t.plain);
    expect(t.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(t.counts).toEqual({ started: 1, received: 1, sent: 0, handled: { ResourceExhausted: 1 } });
  });

  it("counts ResourceExhausted on a bidi call sent a message over max_receive_message_length", async () => {
    const t = await twin("PingStream", echo, calls.bidi([req(big)]), small);
    expect(t.ours).toEqual(t.plain);
    expect(t.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(t.counts).toEqual({ started: 1, received: 0, sent: 0, handled: { ResourceExhausted: 1 } });
  });

  // The one limit: the handler of a unary or server-streaming call runs only once grpc-js has read its one
  // request, so a call whose request it cannot read never reaches the wrapper (nor go-grpc-prometheus's
  // unary interceptor, as grpc-go decodes first). Nothing is counted, and nothing is left in flight.
  it("counts nothing for a unary or server-streaming call whose one request grpc-js cannot read", async () => {
    const u = await twin("Ping", echo, calls.unary(undecodable));
    expect([u.ours, u.code]).toEqual([u.plain, status.INTERNAL]);
    expect(u.counts).toEqual({ started: 0, received: 0, sent: 0, handled: {} });
    const s = await twin("PingList", echo, calls.serverStream(req(big)), small);
    expect([s.ours, s.code]).toEqual([s.plain, status.RESOURCE_EXHAUSTED]);
    expect(s.counts).toEqual({ started: 0, received: 0, sent: 0, handled: {} });
  });
});

describe("a response grpc-js does not send", () => {
  const small = { "grpc.max_send_message_length": 100 };
  // One call of each type whose second response (server streaming) or only response is not sent:
  // method, call, requests received, responses sent.
  const eachCall = [
    ["Ping", calls.unary(req()), 1, 0],
    ["PingList", calls.serverStream(req()), 1, 1],
    ["PingClientStream", calls.clientStream([req()]), 1, 0],
    ["PingStream", calls.bidi([req()]), 1, 0],
  ] as const;
  const bigAnswer = {
    ping: (_c: unknown, cb: sendUnaryData<PingResponse>) => cb(null, resp(big)),
    pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
      call.write(resp());
      call.write(resp(big));
      call.end();
    },
    pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
      call.on("data", () => {});
      call.on("end", () => cb(null, resp(big)));
    },
    pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
      call.on("data", () => call.write(resp(big)));
      call.on("end", () => call.end());
    },
  } satisfies Partial<TestServiceServer>;

  it.each(eachCall)(
    "counts ResourceExhausted on %s when a response is over max_send_message_length",
    async (m, run, received, sent) => {
      const t = await twin(m, bigAnswer, run, small);
      expect(t.ours).toEqual(t.plain);
      expect(t.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(t.counts).toEqual({ started: 1, received, sent, handled: { ResourceExhausted: 1 } });
    },
  );

  // ts-proto's encode of an object missing a field throws, as does its encode of no object at all.
  const missing = { Value: undefined } as unknown as PingResponse;
  const unencodable = {
    ping: (_c: unknown, cb: sendUnaryData<PingResponse>) => cb(null, missing),
    pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
      call.write(resp());
      call.write(missing);
      call.end();
    },
    pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
      call.on("data", () => {});
      call.on("end", () => cb(null));
    },
    pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
      call.on("data", () => call.write(missing));
      call.on("end", () => call.end());
    },
  } satisfies Partial<TestServiceServer>;

  it.each(eachCall)("counts Internal on %s when a response fails to serialize", async (m, run, received, sent) => {
    const t = await twin(m, unencodable, run);
    expect(t.ours).toEqual(t.plain);
    expect(t.code).toBe(status.INTERNAL);
    expect(t.counts).toEqual({ started: 1, received, sent, handled: { Internal: 1 } });
  });

  it("counts Internal on a unary call answered callback(null) with no value", async () => {
    const t = await twin(
      "Ping",
      { ping: (_c: unknown, cb: sendUnaryData<PingResponse>) => cb(null) },
      calls.unary(req()),
    );
    expect(t.ours).toEqual(t.plain);
    expect(t.code).toBe(status.INTERNAL);
    expect(t.counts).toEqual({ started: 1, received: 1, sent: 0, handled: { Internal: 1 } });
  });
});

describe("an error whose code is 0", () => {
  // grpc-js sends OK without a message: a caller of a one-response method gets Unimplemented in its callback.
  const zero = Object.assign(new Error("zero"), { code: 0 }) as ServiceError;
  it.each([
    ["Ping", calls.unary(req()), { ping: (_c: unknown, cb: sendUnaryData<PingResponse>) => cb(zero) }],
    [
      "PingClientStream",
      calls.clientStream([req()]),
      {
        pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
          call.on("data", () => {});
          call.on("end", () => cb(zero));
        },
      },
    ],
  ] as const)("counts Unimplemented and no message sent on %s", async (m, run, impl) => {
    const t = await twin(m, impl, run);
    expect(t.ours).toEqual(t.plain);
    expect(t.ours).toMatchObject({ code: status.OK, messages: [] });
    expect(t.counts).toEqual({ started: 1, received: 1, sent: 0, handled: { Unimplemented: 1 } });
  });
});

describe("a server interceptor", () => {
  /** denyFirstMessage answers PermissionDenied when the first request message arrives, and drops it. */
  const denyFirstMessage: ServerInterceptor = (_d, call) => {
    const ic: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({ onReceiveMessage: () => ic.sendStatus({ code: status.PERMISSION_DENIED, details: "denied" }) }),
    });
    return ic;
  };
  /** rewriteOk turns every OK on its way out into DataLoss. */
  const rewriteOk: ServerInterceptor = (_d, call) =>
    new ServerInterceptingCall(call, {
      sendStatus: (s, next) => next(s.code === status.OK ? { ...s, code: status.DATA_LOSS, details: "rewritten" } : s),
    });

  it.each([
    ["PingClientStream", calls.clientStream([req(), req()])],
    ["PingStream", calls.bidi([req(), req()])],
  ] as const)(
    "that answers on the first message of %s, whose handler runs, is counted with its answer",
    async (m, run) => {
      const t = await twin(m, echo, run, { interceptors: [denyFirstMessage] });
      expect(t.ours).toEqual(t.plain);
      expect(t.code).toBe(status.PERMISSION_DENIED);
      expect(t.counts).toEqual({ started: 1, received: 0, sent: 0, handled: { PermissionDenied: 1 } });
    },
  );

  it.each([
    ["Ping", calls.unary(req()), 1],
    ["PingList", calls.serverStream(req()), 1],
    ["PingClientStream", calls.clientStream([req(), req()]), 2],
    ["PingStream", calls.bidi([req(), req()]), 2],
  ] as const)("that rewrites the status of %s is counted with the status that went out", async (m, run, n) => {
    const t = await twin(m, echo, run, { interceptors: [rewriteOk] });
    expect(t.ours).toEqual(t.plain);
    expect(t.code).toBe(status.DATA_LOSS);
    const sent = m === "PingStream" ? n : 1;
    expect(t.counts).toEqual({ started: 1, received: n, sent, handled: { DataLoss: 1 } });
  });
});

describe("a handler", () => {
  const unhook = (call: { removeAllListeners(e: string): unknown }) => call.removeAllListeners("cancelled");
  it.each([
    ["Ping", calls.unary(req()), 1, 1],
    ["PingList", calls.serverStream(req()), 1, 1],
    ["PingClientStream", calls.clientStream([req(), req()]), 2, 1],
    ["PingStream", calls.bidi([req(), req()]), 2, 2],
  ] as const)(
    "that removes every 'cancelled' listener cannot unhook the counting of %s",
    async (m, run, received, sent) => {
      const impl = Object.fromEntries(
        Object.entries(echo).map(([k, f]) => [
          k,
          (call: never, cb: never) => {
            unhook(call);
            return (f as (c: never, cb: never) => void)(call, cb);
          },
        ]),
      );
      const t = await twin(m, impl as Partial<TestServiceServer>, run);
      expect(t.ours).toEqual(t.plain);
      expect(t.counts).toEqual({ started: 1, received, sent, handled: { OK: 1 } });
    },
  );

  it("that returns a lazy thenable has it left alone: it runs once, and a throwing then changes nothing", async () => {
    let runs = 0;
    const query = (cb: sendUnaryData<PingResponse>) => {
      runs++;
      cb(null, resp());
    };
    // As a query builder's `Model.find(q, cb)`: runs with the callback, and again on every `then`.
    const lazy = (cb: sendUnaryData<PingResponse>) => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      then(resolve: () => void) {
        query(() => {});
        resolve();
      },
      run: query(cb),
    });
    const t = await twin(
      "Ping",
      { ping: (_c: unknown, cb: sendUnaryData<PingResponse>) => lazy(cb) },
      calls.unary(req()),
    );
    expect(t.ours).toEqual(t.plain);
    expect(runs).toBe(2); // once per server: never through `then`
    const throwing = {
      ping(_c: unknown, cb: sendUnaryData<PingResponse>) {
        cb(null, resp());
        return {
          // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
          then: () => {
            throw new Error("then");
          },
        };
      },
    };
    const u = await twin("Ping", throwing, calls.unary(req()));
    expect([u.ours, u.code]).toEqual([u.plain, status.OK]);
    expect(u.counts).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
  });

  it("that is async and throws inside `for await` over a bidi call ends it with Unknown at once", async () => {
    const impl = {
      async pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
        for await (const _ of call) throw new Error("boom");
      },
    };
    // Without the wrapper, grpc-js never answers a handler's rejection: the caller waits for its deadline.
    const started = Date.now();
    const t = await twin("PingStream", impl, calls.bidi([req()]), undefined, false);
    expect(t.code).toBe(status.UNKNOWN);
    expect(Date.now() - started).toBeLessThan(2_000); // the calls' deadlines are 5 s away
    expect(t.counts).toEqual({ started: 1, received: 1, sent: 0, handled: { Unknown: 1 } });
  });
});

describe("calls a short deadline ends while the handler answers", () => {
  // Handlers answer around the deadline, so grpc-js's timer, the client's reset and the answer race:
  // whichever wins, every call that started is counted once.
  const racing = {
    async ping(_c: unknown, cb: sendUnaryData<PingResponse>) {
      await sleep(130 + Math.random() * 40);
      cb(null, resp());
    },
    async pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
      await sleep(130 + Math.random() * 40);
      call.write(resp());
      call.end();
    },
    pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
      call.on("data", () => {});
      setTimeout(() => cb(null, resp()), 130 + Math.random() * 40);
    },
    pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
      call.on("data", () => {});
      setTimeout(() => call.end(), 130 + Math.random() * 40);
    },
  } satisfies Partial<TestServiceServer>;

  it("has started equal to the sum of handled on every method", async () => {
    const registry = new Registry();
    const metrics = new ServerMetrics({ registry });
    const running = await startServer((s) =>
      s.addService(TestServiceService, instrumentTestServiceServer(racing as unknown as TestServiceServer, metrics)),
    );
    onTestFinished(() => running.close());
    const { c } = clients(running.address);
    const ends: Promise<unknown>[] = [];
    // Every kind of call made once first, so the first of each does not spend its deadline starting up.
    let o = () => ({ deadline: deadline() });
    const end = (call: { on(e: string, l: () => void): unknown }) =>
      new Promise<void>((r) => {
        call.on("error", () => {});
        call.on("data", () => {});
        call.on("status", () => r());
      });
    for (let i = 0; i < 51; i++) {
      ends.push(end(c.ping(req(), md(), o(), () => {})));
      ends.push(end(c.pingList(req(), md(), o())));
      ends.push(end(c.pingClientStream(md(), o(), () => {})));
      ends.push(end(c.pingStream(md(), o())));
      if (i === 0) {
        await Promise.all(ends);
        o = () => ({ deadline: deadline(150) });
      }
    }
    await Promise.all(ends);
    const e = await settled(() => scrape(registry));
    for (const m of ["Ping", "PingList", "PingClientStream", "PingStream"] as const) {
      const started = e.series.get(key("grpc_server_started_total", labels(m)))!;
      const handled = Object.values(codesOf(e, "grpc_server_handled_total", m)).reduce((a, b) => a + b, 0);
      expect([m, handled]).toEqual([m, started]);
      expect([m, started > 0]).toEqual([m, true]);
    }
  });
});
