// The client child of measure 2 (bench/e2e.ts): connects to the server the
// parent names, with the stack named by its argument, and drives each phase
// the parent asks for at a fixed concurrency (a closed loop: each of N
// workers starts its next call when its last one ends), reporting what
// arrived within the phase's window.
//
//   node --import tsx bench/e2e-client.ts <ClientKind>
import type { PingRequest, TestServiceClient } from "../testdata/gen/test.js";
import { startProfile, stopProfile } from "./e2e-profiler.js";
import {
  type ClientKind,
  clientKinds,
  messagesPerStream,
  type Phase,
  type PhaseResult,
  sendToParent,
  type ToClient,
} from "./e2e-protocol.js";

/** Call makes one call: onMessage for each response message, then done once, with the error if it failed. */
type Call = (onMessage: () => void, done: (err?: unknown) => void) => void;
/** Driver makes one call of each phase. */
type Driver = Record<Phase, Call>;

const request: PingRequest = { value: "e2e", sleepTimeMs: 0, errorCodeReturned: 0 };
const requests: readonly PingRequest[] = Array.from({ length: messagesPerStream }, () => request);

/** grpcJsDriver drives ts-proto's grpc-js client, plain or instrumented. */
function grpcJsDriver(client: TestServiceClient): Driver {
  /** follow reports a response stream's messages, and its end or error, once. */
  const follow = (s: NodeJS.EventEmitter, onMessage: () => void, done: (err?: unknown) => void) => {
    let ended = false;
    s.on("data", onMessage);
    s.on("end", () => {
      if (!ended) done();
      ended = true;
    });
    s.on("error", (err) => {
      if (!ended) done(err);
      ended = true;
    });
  };
  return {
    unary(onMessage, done) {
      client.ping(request, (err) => {
        if (err) done(err);
        else {
          onMessage();
          done();
        }
      });
    },
    list(onMessage, done) {
      follow(client.pingList(request), onMessage, done);
    },
    bidi(onMessage, done) {
      const s = client.pingStream();
      follow(s, onMessage, done);
      for (const r of requests) s.write(r);
      s.end();
    },
  };
}

/** niceDriver drives a nice-grpc client, plain or with nice-grpc-prometheus's middleware. */
async function niceDriver(prometheus: boolean, address: string): Promise<Driver> {
  const { createChannel, createClient, createClientFactory } = await import("nice-grpc");
  const { TestServiceService } = await import("../testdata/gen/test.js");
  const channel = createChannel(address);
  const client = prometheus
    ? createClientFactory()
        .use((await import("nice-grpc-prometheus")).prometheusClientMiddleware())
        .create(TestServiceService, channel)
    : createClient(TestServiceService, channel);
  async function* outgoing() {
    for (const r of requests) yield r;
  }
  const drain = async (responses: AsyncIterable<unknown>, onMessage: () => void) => {
    for await (const _ of responses) onMessage();
  };
  return {
    unary(onMessage, done) {
      client.ping(request).then(() => {
        onMessage();
        done();
      }, done);
    },
    list(onMessage, done) {
      drain(client.pingList(request), onMessage).then(() => done(), done);
    },
    bidi(onMessage, done) {
      drain(client.pingStream(outgoing()), onMessage).then(() => done(), done);
    },
  };
}

/** connect makes the client of kind; each kind imports only what it uses, so that children start quickly. */
async function connect(kind: ClientKind, address: string): Promise<Driver> {
  switch (kind) {
    case "grpc-js": {
      const { credentials } = await import("@grpc/grpc-js");
      const { TestServiceClient } = await import("../testdata/gen/test.js");
      return grpcJsDriver(new TestServiceClient(address, credentials.createInsecure()));
    }
    case "grpc-js + ours": {
      const { credentials } = await import("@grpc/grpc-js");
      const { ClientMetrics } = await import("protoc-gen-grpc-prom/runtime");
      const { InstrumentedTestServiceClient } = await import("../testdata/gen/test_grpc_prom.js");
      const metrics = new ClientMetrics({ handlingTimeHistogram: true });
      return grpcJsDriver(new InstrumentedTestServiceClient(address, credentials.createInsecure(), {}, metrics));
    }
    case "nice-grpc":
      return niceDriver(false, address);
    case "nice-grpc + prometheus":
      return niceDriver(true, address);
  }
}

/** quantile reads the q-quantile of sorted samples (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * run drives one phase for ms with concurrency workers. Calls start only
 * within the window; a message counts when it arrives within it, and a
 * call's latency when the call completes within it; the phase returns once
 * the calls still in flight have ended.
 */
function run(driver: Driver, phase: Phase, ms: number, concurrency: number): Promise<PhaseResult> {
  return new Promise((resolve) => {
    const call = driver[phase];
    let latencies = new Float64Array(1 << 16);
    let calls = 0;
    let messages = 0;
    let totalMessages = 0;
    let errors = 0;
    let running = concurrency;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const end = start + ms;
    const finish = () => {
      const cpu = process.cpuUsage(cpu0);
      const sorted = latencies.subarray(0, calls).sort();
      resolve({
        phase,
        windowMs: ms,
        calls,
        messages,
        totalMessages,
        errors,
        p50Ms: quantile(sorted, 0.5),
        p99Ms: quantile(sorted, 0.99),
        cpu: { user: cpu.user, system: cpu.system },
      });
    };
    const onMessage = () => {
      totalMessages++;
      if (performance.now() <= end) messages++;
    };
    const worker = () => {
      const t0 = performance.now();
      call(onMessage, (err) => {
        const t1 = performance.now();
        if (err) errors++;
        else if (t1 <= end) {
          if (calls === latencies.length) {
            const grown = new Float64Array(latencies.length * 2);
            grown.set(latencies);
            latencies = grown;
          }
          latencies[calls++] = t1 - t0;
        }
        if (t1 < end) worker();
        else if (--running === 0) finish();
      });
    };
    for (let i = 0; i < concurrency; i++) worker();
  });
}

const kind = process.argv[2] as ClientKind;
if (!clientKinds.includes(kind)) throw new Error(`bench/e2e-client: unknown client kind ${JSON.stringify(kind)}`);
let driver: Driver | undefined;
process.on("message", (m: ToClient) => {
  switch (m.type) {
    case "connect":
      void connect(kind, m.address).then((d) => {
        driver = d;
        sendToParent({ type: "connected" });
      });
      break;
    case "run":
      if (driver === undefined) throw new Error("bench/e2e-client: run before connect");
      void run(driver, m.phase, m.ms, m.concurrency).then((result) => sendToParent({ type: "result", result }));
      break;
    case "profile":
      void startProfile(m.dir, "client", kind).then(() => sendToParent({ type: "profiling" }));
      break;
    case "exit":
      void stopProfile().then(() => process.exit(0));
  }
});
process.on("disconnect", () => process.exit(0));
sendToParent({ type: "loaded" });
