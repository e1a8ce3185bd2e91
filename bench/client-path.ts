// The child of the instructions measure (bench/instructions.ts): makes n
// unary calls, 32 in flight, through a ts-proto client on a channel whose
// calls answer at once, on the next tick. Everything grpc-js's client does
// for a call runs, the network does not, so the client's own work per call is
// what is left to count. "plain-loopback" is the plain client over loopback,
// to a server at the address given: the whole client side of a real call.
//
//   node --import tsx bench/client-path.ts <kind> <n> [address]
import { createRequire } from "node:module";
import {
  type Channel,
  type ClientOptions,
  connectivityState,
  credentials,
  InterceptingCall,
  type InterceptingListener,
  type Interceptor,
  Metadata,
} from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { PingResponse, TestServiceClient } from "../testdata/gen/test.js";
import { TestServiceMethods } from "../testdata/gen/test_grpc_prom.js";

// The runtime as it ships (see bookkeeping.ts).
const require = createRequire(import.meta.url);
const { ClientMetrics, instrumentClient } = require("../dist/runtime/index.js") as typeof import("../runtime/index.js");

export const clientPathKinds = ["plain", "plain-again", "noop-interceptor", "ours", "plain-loopback"] as const;
export type ClientPathKind = (typeof clientPathKinds)[number];

const response = Buffer.from(PingResponse.encode({ Value: "v", counter: 1 }).finish());

/** answeringChannel is a grpc-js Channel whose calls answer each request with one response and OK on the next tick. */
const answeringChannel = {
  close() {},
  getTarget: () => "answering",
  getConnectivityState: () => connectivityState.READY,
  watchConnectivityState() {},
  getChannelzRef: () => ({ kind: "channel", id: 0, name: "answering" }),
  createCall() {
    let listener: InterceptingListener | undefined;
    return {
      cancelWithStatus() {},
      getPeer: () => "answering",
      getCallNumber: () => 0,
      setCredentials() {},
      getAuthContext: () => null,
      start(_metadata: Metadata, l: InterceptingListener) {
        listener = l;
      },
      sendMessageWithContext(context: { callback?: () => void }) {
        context.callback?.();
      },
      startRead() {},
      halfClose() {
        process.nextTick(() => {
          listener?.onReceiveMetadata(new Metadata());
          listener?.onReceiveMessage(response);
          listener?.onReceiveStatus({ code: 0, details: "", metadata: new Metadata() });
        });
      },
    };
  },
} as unknown as Channel;

/** client makes the contender's client on the answering channel. */
export function client(kind: ClientPathKind, address?: string): TestServiceClient {
  const options: Partial<ClientOptions> = { channelOverride: answeringChannel };
  const insecure = credentials.createInsecure();
  switch (kind) {
    case "plain":
    case "plain-again":
      return new TestServiceClient("answering", insecure, options);
    case "noop-interceptor": {
      const noop: Interceptor = (o, next) => new InterceptingCall(next(o));
      return new TestServiceClient("answering", insecure, { ...options, interceptors: [noop] });
    }
    case "plain-loopback":
      if (address === undefined) throw new Error("client-path: plain-loopback needs the server's address");
      return new TestServiceClient(address, insecure);
    case "ours": {
      const Instrumented = instrumentClient(TestServiceClient, TestServiceMethods);
      const metrics = new ClientMetrics({ registry: new Registry(), handlingTimeHistogram: true });
      return new Instrumented("answering", insecure, options, metrics);
    }
  }
}

/** calls makes n unary calls, 32 in flight, and resolves when all have answered. */
export async function calls(c: TestServiceClient, n: number): Promise<void> {
  const request = { value: "v", sleepTimeMs: 0, errorCodeReturned: 0 };
  let made = 0;
  const worker = () =>
    new Promise<void>((resolve, reject) => {
      const next = () => {
        if (made++ >= n) return resolve();
        c.ping(request, (err) => (err ? reject(err) : next()));
      };
      next();
    });
  await Promise.all(Array.from({ length: 32 }, worker));
}

if (process.argv[1]?.endsWith("client-path.ts")) {
  const [kind, n] = [process.argv[2] as ClientPathKind, Number(process.argv[3])];
  if (!clientPathKinds.includes(kind) || !Number.isInteger(n) || n < 0) {
    throw new Error(`usage: client-path.ts <${clientPathKinds.join("|")}> <calls>`);
  }
  const c = client(kind, process.argv[4]);
  await calls(c, n);
  c.close();
}
