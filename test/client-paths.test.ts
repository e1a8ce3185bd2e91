// Every way a client call can go wrong before, on or after the wire, on each
// of the client's two recording paths: the direct one (unary calls without
// interceptors) and the metrics interceptor (streaming calls, and unary calls
// with interceptors). The rule: count what went over the wire and what the
// caller saw, exactly once; started equals the sum of handled once calls end;
// and the caller sees what an uninstrumented client shows it.
import { createServer as createHttp2Server } from "node:http2";
import {
  type CallOptions,
  type ClientOptions,
  credentials,
  InterceptingCall,
  type Interceptor,
  Metadata,
  type ServiceDefinition,
  type ServiceError,
  type StatusObject,
  status,
} from "@grpc/grpc-js";
import { describe, expect, it, onTestFinished } from "vitest";
import { grpcCodeName } from "../runtime/index.js";
import { type PingRequest, type PingResponse, TestServiceClient, TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient } from "../testdata/gen/test_grpc_prom.js";
import { drain, pingRequest, summary, unary } from "./support/calls.js";
import { type ClientHarness, clientHarness } from "./support/client-harness.js";
import { deadline, startServer } from "./support/server.js";
import { testService } from "./support/test-service.js";

const req = pingRequest;
const md = () => new Metadata();
const none = { started: 0, received: 0, sent: 0, handled: {} };

/** A request ts-proto's encode throws on, and one that is no object at all. */
const unencodable = req({ sleepTimeMs: 1.5 });
const notAnObject = null as unknown as PingRequest;
/** A request over the grpc.max_send_message_length of the `small` client options (the others are under it). */
const big = req({ value: "x".repeat(200) });
const small = { "grpc.max_send_message_length": 64 } satisfies Partial<ClientOptions>;

const noop: Interceptor = (options, nextCall) => new InterceptingCall(nextCall(options));

/** The two ways a unary call is recorded, by the client options that choose them. */
const unaryPaths: [string, Partial<ClientOptions>][] = [
  ["direct (no interceptors)", {}],
  ["intercepted (a client interceptor)", { interceptors: [noop] }],
];

/** Pair is an instrumented client of a server and a plain ts-proto client of it, with the same options. */
interface Pair {
  readonly h: ClientHarness;
  readonly plain: TestServiceClient;
}

/** pair serves the conformance service to an instrumented and a plain client, both made with clientOptions. */
async function pair(clientOptions: Partial<ClientOptions> = {}): Promise<Pair> {
  const h = await clientHarness({}, { clientOptions });
  const plain = new TestServiceClient(h.address, credentials.createInsecure(), clientOptions);
  onTestFinished(() => plain.close());
  return { h, plain };
}

/** thrown returns what a call that throws threw, as the caller sees it. */
function thrown(make: () => unknown): { name: string; message: string } {
  try {
    make();
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error("the call did not throw");
}

/** answered resolves with what a unary or client-streaming call's callback got, and its status, once both came. */
function answered<T>(
  make: (cb: (err: ServiceError | null, value?: T) => void) => {
    on(e: "status", l: (s: StatusObject) => void): unknown;
  },
) {
  return new Promise<{ error: { code: number; details: string } | null; value: unknown; code: number }>((resolve) => {
    let got: { error: { code: number; details: string } | null; value: unknown } | undefined;
    let code: number | undefined;
    const settle = () => got && code !== undefined && resolve({ ...got, code });
    const call = make((err, value) => {
      got = { error: err && { code: err.code, details: err.details }, value };
      settle();
    });
    call.on("status", (s) => {
      code = s.code;
      settle();
    });
  });
}

/** pingPong writes each request of a bidi call after the echo of the one before, then half-closes and drains. */
async function pingPong(client: TestServiceClient, requests: PingRequest[]) {
  const call = client.pingStream(md(), { deadline: deadline() });
  const outcome = drain(call);
  const echoes = call[Symbol.asyncIterator]();
  for (const [i, r] of requests.entries()) {
    call.write(r);
    if (i < requests.length - 1 && (await echoes.next().catch(() => ({ done: true }))).done) break;
  }
  call.end();
  return summary(await outcome);
}

/** clientStream writes requests, half-closes, and resolves with what the callback got. */
function clientStream(client: TestServiceClient, requests: PingRequest[]) {
  return answered((cb) => {
    const c = client.pingClientStream(md(), { deadline: deadline() }, cb);
    for (const r of requests) c.write(r);
    c.end();
    return c;
  });
}

// Options grpc-js refuses when it creates the call, after every callInvocationTransformer has run.
const refused = [
  ["a deadline given as a string", { deadline: "tomorrow" }],
  ["a deadline given as a bigint", { deadline: 10n }],
  ["a parent that is no server call", { parent: {} }],
] as unknown as [string, CallOptions][];

/** throwsAtStart is a caller's interceptor that throws as the call starts: the call method throws. */
const throwsAtStart: Interceptor = (options, nextCall) =>
  new InterceptingCall(nextCall(options), {
    start() {
      throw new Error("no start for you");
    },
  });
/** refusedOnTheWay adds, for calls on the interceptor path, a call whose start throws. */
const refusedOnTheWay = (): [string, CallOptions][] => [
  ...refused,
  ["an interceptor of the caller's that throws at the start", { deadline: deadline(), interceptors: [throwsAtStart] }],
  [
    "interceptors beside interceptor_providers",
    { deadline: deadline(), interceptors: [noop], interceptor_providers: [() => noop] },
  ],
];

describe("a call grpc-js refuses, by throwing, counts nothing", () => {
  for (const [path, clientOptions] of unaryPaths) {
    it(`unary, ${path}`, async () => {
      const { h, plain } = await pair(clientOptions);
      for (const [reason, options] of path.startsWith("intercepted") ? refusedOnTheWay() : refused) {
        const call = (c: TestServiceClient) => () => c.ping(req(), md(), options, () => {});
        expect(thrown(call(h.client)), reason).toEqual(thrown(call(plain)));
      }
      // The same client goes on counting the calls that are made, and nothing of the others.
      const ok = await answered((cb) => h.client.ping(req(), md(), { deadline: deadline() }, cb));
      expect(ok.code).toBe(status.OK);
      expect(await h.counts("Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
      h.client.close();
      expect(() => h.client.ping(req(), md(), { deadline: deadline() }, () => {})).toThrow(
        "Channel has been shut down",
      );
      expect(await h.counts("Ping")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
    });
  }

  const streaming = [
    [
      "client_stream",
      "PingClientStream",
      (c: TestServiceClient, o: CallOptions) => c.pingClientStream(md(), o, () => {}),
    ],
    ["server_stream", "PingList", (c: TestServiceClient, o: CallOptions) => c.pingList(req(), md(), o)],
    ["bidi_stream", "PingStream", (c: TestServiceClient, o: CallOptions) => c.pingStream(md(), o)],
  ] as const;
  for (const [type, method, call] of streaming) {
    it(`${type} (intercepted)`, async () => {
      const { h, plain } = await pair();
      for (const [reason, o] of refusedOnTheWay()) {
        expect(
          thrown(() => call(h.client, o)),
          reason,
        ).toEqual(thrown(() => call(plain, o)));
      }
      h.client.close();
      expect(() => call(h.client, { deadline: deadline() })).toThrow("Channel has been shut down");
      expect(await h.counts(method)).toEqual(none);
    });
  }
});

/** rescuing is a caller's callInvocationTransformer that turns a failed call into a fallback value for the caller. */
const fallback: PingResponse = { Value: "fallback", counter: -1 };
const rescuing: ClientOptions["callInvocationTransformer"] = (props) => {
  const callback = props.callback!;
  return { ...props, callback: (err, value) => (err ? callback(null, fallback) : callback(err, value)) };
};

describe("a caller's callInvocationTransformer that makes a failure into a value is counted as the caller saw it", () => {
  for (const [path, options] of unaryPaths) {
    it(`unary, ${path}`, async () => {
      const { h, plain } = await pair({ ...options, callInvocationTransformer: rescuing });
      const call = (c: TestServiceClient) =>
        answered((cb) => c.pingError(req({ errorCodeReturned: 5 }), md(), { deadline: deadline() }, cb));
      const seen = await call(h.client);
      expect(seen).toEqual(await call(plain));
      // The callback got the fallback; only the "status" event still tells NotFound.
      expect(seen).toEqual({ error: null, value: fallback, code: status.NOT_FOUND });
      expect(await h.counts("PingError")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
    });
  }

  it("client_stream (intercepted)", async () => {
    const { h, plain } = await pair({ callInvocationTransformer: rescuing });
    const requests = [req(), req({ errorCodeReturned: 8 })];
    const seen = await clientStream(h.client, requests);
    expect(seen).toEqual(await clientStream(plain, requests));
    expect(seen).toEqual({ error: null, value: fallback, code: status.RESOURCE_EXHAUSTED });
    expect(await h.counts("PingClientStream")).toEqual({ started: 1, received: 1, sent: 2, handled: { OK: 1 } });
  });

  it("unary, with interceptors the transformer adds: on the interceptor path, counted once", async () => {
    const { h, plain } = await pair({
      callInvocationTransformer: (props) => {
        const rescued = rescuing(props);
        return { ...rescued, callOptions: { ...rescued.callOptions, interceptors: [noop] } };
      },
    });
    const call = (c: TestServiceClient) =>
      answered((cb) => c.pingError(req({ errorCodeReturned: 7 }), md(), { deadline: deadline() }, cb));
    expect(await call(h.client)).toEqual(await call(plain));
    expect(await h.counts("PingError")).toEqual({ started: 1, received: 1, sent: 1, handled: { OK: 1 } });
  });
});

describe("InstrumentedXClient takes options as ts-proto's XClient does", () => {
  it("null or undefined: no options", async () => {
    const h = await clientHarness();
    const plain = new TestServiceClient(h.address, credentials.createInsecure(), null as never);
    onTestFinished(() => plain.close());
    for (const options of [null, undefined]) {
      const client = new InstrumentedTestServiceClient(
        h.address,
        credentials.createInsecure(),
        options as never,
        h.metrics,
      );
      onTestFinished(() => client.close());
      const seen = await unary<PingResponse>((m, o, cb) => client.ping(req(), m, o, cb));
      expect(summary(seen)).toEqual(summary(await unary<PingResponse>((m, o, cb) => plain.ping(req(), m, o, cb))));
    }
    expect(await h.counts("Ping")).toEqual({ started: 2, received: 2, sent: 2, handled: { OK: 2 } });
  });
});

describe("a request grpc-js does not send is not counted as sent", () => {
  for (const [path, options] of unaryPaths) {
    it(`unary, ${path}: unserializable (INTERNAL) or over grpc.max_send_message_length (RESOURCE_EXHAUSTED)`, async () => {
      const { h, plain } = await pair({ ...options, ...small });
      const codes: number[] = [];
      for (const request of [unencodable, notAnObject, big]) {
        const call = (c: TestServiceClient) => answered((cb) => c.ping(request, md(), { deadline: deadline() }, cb));
        const seen = await call(h.client);
        expect(seen).toEqual(await call(plain));
        codes.push(seen.code);
      }
      expect(codes).toEqual([status.INTERNAL, status.INTERNAL, status.RESOURCE_EXHAUSTED]);
      const ok = await answered((cb) => h.client.ping(req(), md(), { deadline: deadline() }, cb));
      expect(ok.code).toBe(status.OK);
      expect(await h.counts("Ping")).toEqual({
        started: 4,
        received: 1,
        sent: 1,
        handled: { Internal: 2, ResourceExhausted: 1, OK: 1 },
      });
    });
  }

  it("client_stream (intercepted): each write grpc-js took, not the one it refused", async () => {
    const { h, plain } = await pair(small);
    for (const last of [unencodable, big]) {
      const requests = [req(), req(), last];
      const seen = await clientStream(h.client, requests);
      expect(seen).toEqual(await clientStream(plain, requests));
    }
    expect(await h.counts("PingClientStream")).toEqual({
      started: 2,
      received: 0,
      sent: 4,
      handled: { Internal: 1, ResourceExhausted: 1 },
    });
  });

  it("server_stream (intercepted)", async () => {
    const { h, plain } = await pair(small);
    const codes: number[] = [];
    for (const request of [unencodable, notAnObject, big]) {
      const call = async (c: TestServiceClient) =>
        summary(await drain(c.pingList(request, md(), { deadline: deadline() })));
      const seen = await call(h.client);
      expect(seen).toEqual(await call(plain));
      codes.push(seen.code);
    }
    expect(codes).toEqual([status.INTERNAL, status.INTERNAL, status.RESOURCE_EXHAUSTED]);
    expect(await h.counts("PingList")).toEqual({
      started: 3,
      received: 0,
      sent: 0,
      handled: { Internal: 2, ResourceExhausted: 1 },
    });
  });

  it("bidi_stream (intercepted)", async () => {
    const { h, plain } = await pair(small);
    for (const last of [unencodable, big]) {
      const requests = [req(), last];
      const seen = await pingPong(h.client, requests);
      expect(seen).toEqual(await pingPong(plain, requests));
      expect(seen.messages).toHaveLength(1);
    }
    expect(await h.counts("PingStream")).toEqual({
      started: 2,
      received: 2,
      sent: 2,
      handled: { Internal: 1, ResourceExhausted: 1 },
    });
  });
});

// A server whose responses with Value "bad" are bytes ts-proto's decode rejects (a field cut short).
const cutShort = Buffer.from([0x0a, 0x05, 0x61]);
const garbling = Object.fromEntries(
  Object.entries(TestServiceService).map(([k, d]) => [
    k,
    { ...d, responseSerialize: (r: PingResponse) => (r.Value === "bad" ? cutShort : d.responseSerialize(r as never)) },
  ]),
) as unknown as ServiceDefinition;

/** garbled serves the conformance service, with responses whose value is "bad" sent as bytes the client cannot decode. */
async function garbled(clientOptions: Partial<ClientOptions> = {}): Promise<Pair> {
  const running = await startServer((s) =>
    s.addService(garbling, {
      ...testService,
      ping: (_call: unknown, cb: (err: null, r: PingResponse) => void) => cb(null, { Value: "bad", counter: 1 }),
      pingClientStream: (call: NodeJS.EventEmitter, cb: (err: null, r: PingResponse) => void) => {
        call.on("data", () => {});
        call.on("end", () => cb(null, { Value: "bad", counter: 1 }));
      },
      pingList: (call: { write(r: PingResponse): void; end(): void }) => {
        for (const Value of ["good", "good", "bad", "good"]) call.write({ Value, counter: 0 });
        call.end();
      },
    }),
  );
  onTestFinished(() => running.close());
  const h = await clientHarness({}, { address: running.address, clientOptions });
  const plain = new TestServiceClient(running.address, credentials.createInsecure(), clientOptions);
  onTestFinished(() => plain.close());
  return { h, plain };
}

describe("a response the client cannot decode: received only what reached the caller, handled as the caller saw", () => {
  for (const [path, options] of unaryPaths) {
    it(`unary, ${path}`, async () => {
      const { h, plain } = await garbled(options);
      const call = (c: TestServiceClient) => answered((cb) => c.ping(req(), md(), { deadline: deadline() }, cb));
      const seen = await call(h.client);
      expect(seen).toEqual(await call(plain));
      expect([seen.code, seen.value]).toEqual([status.INTERNAL, undefined]);
      expect(await h.counts("Ping")).toEqual({ started: 1, received: 0, sent: 1, handled: { Internal: 1 } });
    });
  }

  it("client_stream (intercepted)", async () => {
    const { h, plain } = await garbled();
    const seen = await clientStream(h.client, [req(), req()]);
    expect(seen).toEqual(await clientStream(plain, [req(), req()]));
    expect(seen.code).toBe(status.INTERNAL);
    expect(await h.counts("PingClientStream")).toEqual({ started: 1, received: 0, sent: 2, handled: { Internal: 1 } });
  });

  it("server_stream (intercepted)", async () => {
    const { h, plain } = await garbled();
    const call = async (c: TestServiceClient) =>
      summary(await drain(c.pingList(req(), md(), { deadline: deadline() })));
    const seen = await call(h.client);
    expect(seen).toEqual(await call(plain));
    expect([seen.code, seen.messages.length]).toEqual([status.INTERNAL, 2]);
    expect(await h.counts("PingList")).toEqual({ started: 1, received: 2, sent: 1, handled: { Internal: 1 } });
  });

  it("bidi_stream (intercepted)", async () => {
    const { h, plain } = await garbled();
    const requests = [req({ value: "good" }), req({ value: "bad" }), req({ value: "good" })];
    const seen = await pingPong(h.client, requests);
    expect(seen).toEqual(await pingPong(plain, requests));
    expect([seen.code, seen.messages.length]).toEqual([status.INTERNAL, 1]);
    // The third request is never written: the caller saw the call fail first.
    expect(await h.counts("PingStream")).toEqual({ started: 1, received: 1, sent: 2, handled: { Internal: 1 } });
  });
});

/** silent is a server no gRPC library would let one write: headers, no message, then grpc-status 0. */
async function silent(clientOptions: Partial<ClientOptions> = {}): Promise<Pair> {
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
  const h = await clientHarness({}, { address, clientOptions });
  const plain = new TestServiceClient(address, credentials.createInsecure(), clientOptions);
  onTestFinished(() => plain.close());
  return { h, plain };
}

// grpc-js answers a one-response call that ends OK without a response with an error of its own choosing
// (Unimplemented since 1.11, Internal in 1.10): whichever it is, it is the code counted.
describe("a one-response call a server ends OK without a response: handled with the code the caller's callback got", () => {
  for (const [path, options] of unaryPaths) {
    it(`unary, ${path}`, async () => {
      const { h, plain } = await silent(options);
      const call = (c: TestServiceClient) => answered((cb) => c.ping(req(), md(), { deadline: deadline() }, cb));
      const seen = await call(h.client);
      expect(seen).toEqual(await call(plain));
      expect([seen.code, seen.value]).toEqual([status.OK, undefined]);
      const code = grpcCodeName(seen.error!.code);
      expect(await h.counts("Ping")).toEqual({ started: 1, received: 0, sent: 1, handled: { [code]: 1 } });
    });
  }

  it("client_stream (intercepted)", async () => {
    const { h, plain } = await silent();
    const seen = await clientStream(h.client, [req(), req()]);
    expect(seen).toEqual(await clientStream(plain, [req(), req()]));
    const code = grpcCodeName(seen.error!.code);
    expect(await h.counts("PingClientStream")).toEqual({ started: 1, received: 0, sent: 2, handled: { [code]: 1 } });
  });
});
