// One memory measurement, in a fresh process started with --expose-gc by
// bench/memory.ts; it prints one line of JSON (a MemoryResult) to stdout.
//
//   methods ours|plain N    heap per pre-registered method, before and after a first scrape
//   calls ours|baseline C   heap before and after C unary calls driven in-process

import { Registry } from "prom-client";
import { instrumentServer, ServerMetrics } from "../runtime/index.js";
import { scrapeTable } from "./scrape.js";
import { yardstick } from "./yardstick.js";

/** MemoryResult is what the child reports. */
export interface MemoryResult {
  /** before and after are heapUsed after full GCs, in bytes. */
  readonly before: number;
  readonly after: number;
  /** scraped is heapUsed after a first scrape and full GCs (methods mode). */
  readonly scraped?: number;
  /** check is a sanity figure: series in the exposition (methods), calls counted by the metrics (calls). */
  readonly check: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("memory-child: run with --expose-gc");

/** settledHeap runs full GCs until heapUsed stops falling, and returns it. */
function settledHeap(): number {
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 10; i++) {
    gc!();
    const used = process.memoryUsage().heapUsed;
    if (used >= last) return used;
    last = used;
  }
  return last;
}

/** scrapeSeries scrapes once and returns the number of series, dropping the exposition. */
async function scrapeSeries(registry: Registry): Promise<number> {
  const text = await registry.metrics();
  let n = 0;
  for (const line of text.split("\n")) if (line !== "" && !line.startsWith("#")) n++;
  return n;
}

/** keep holds what a measurement made, so that GC cannot take it before the heap is read. */
const keep: unknown[] = [];

async function methods(contender: string, n: number): Promise<MemoryResult> {
  // The method table is generated code, a module constant in a real program: it is made before measuring.
  const table = scrapeTable(n);
  const registry = new Registry();
  let register: () => void;
  if (contender === "ours") {
    const metrics = new ServerMetrics({ registry, handlingTimeHistogram: true });
    const handler = (_call: unknown, callback: (err: null, value: object) => void) => callback(null, {});
    const impl = Object.fromEntries(Object.keys(table).map((k) => [k, handler]));
    register = () => keep.push(instrumentServer(table, impl, metrics));
  } else if (contender === "plain") {
    const plain = yardstick(registry);
    register = () => plain.zero(table);
  } else {
    throw new Error(`memory-child: unknown contender ${contender}`);
  }
  keep.push(table, registry);
  const before = settledHeap();
  register();
  const after = settledHeap();
  // A first scrape leaves what the Registry caches per label set (flattened label strings).
  const check = await scrapeSeries(registry);
  // A tick, so that no frame still holds the exposition string when the heap is read.
  await new Promise((resolve) => setImmediate(resolve));
  const scraped = settledHeap();
  return { before, after, scraped, check };
}

/** FakeCall is the part of a grpc-js ServerUnaryCall the unary wrapper uses. */
interface FakeCall {
  request: object;
  cancelled: (() => void) | undefined;
  on(event: string, listener: () => void): FakeCall;
  getDeadline(): number;
}

function fakeCall(request: object): FakeCall {
  const call: FakeCall = {
    request,
    cancelled: undefined,
    on(event, listener) {
      if (event === "cancelled") call.cancelled = listener;
      return call;
    },
    getDeadline: () => Number.POSITIVE_INFINITY,
  };
  return call;
}

type UnaryHandler = (call: FakeCall, callback: (err: object | null, value?: object) => void) => void;

/**
 * calls drives count unary calls in-process, as grpc-js would: it invokes the
 * handler with a call object and a callback, and, once the handler answered,
 * fires the "cancelled" listener, which grpc-js emits after every call and on
 * which the wrapper counts a unary call as handled. Every tenth call answers
 * NotFound. "baseline" invokes the bare handler the same way: the noise floor
 * of the harness itself.
 */
async function calls(contender: string, count: number, warmup: number): Promise<MemoryResult> {
  const registry = new Registry();
  const metrics = new ServerMetrics({ registry, handlingTimeHistogram: true });
  const notFound = Object.freeze({ code: 5, details: "not found" });
  const response = Object.freeze({ message: "hello" });
  const request = Object.freeze({ name: "bench" });
  let i = 0;
  const impl = {
    sayHello(_call: FakeCall, callback: (err: object | null, value?: object) => void) {
      if (++i % 10 === 0) callback(notFound);
      else callback(null, response);
    },
  };
  const table = { sayHello: { grpcService: "bench.v1.Greeter", grpcMethod: "SayHello", grpcType: "unary" as const } };
  let handler: UnaryHandler;
  if (contender === "ours") handler = instrumentServer(table, impl, metrics).sayHello as unknown as UnaryHandler;
  else if (contender === "baseline") handler = impl.sayHello.bind(impl);
  else throw new Error(`memory-child: unknown contender ${contender}`);
  let answered = 0;
  const callback = () => {
    answered++;
  };
  const drive = (k: number) => {
    for (let j = 0; j < k; j++) {
      const call = fakeCall(request);
      handler(call, callback);
      call.cancelled?.();
    }
  };
  drive(warmup);
  await registry.metrics();
  const before = settledHeap();
  drive(count);
  const after = settledHeap();
  const record = metrics.method(table.sayHello);
  // ours: every call counted as started and handled once; baseline: every call answered.
  const counted = record.handled.counts.reduce((a, b) => a + b, 0);
  const check = contender === "ours" ? (record.started === counted ? counted - warmup : -1) : answered - warmup;
  return { before, after, check };
}

const [mode, contender, arg, arg2] = process.argv.slice(2);
const result =
  mode === "methods"
    ? await methods(contender!, Number(arg))
    : mode === "calls"
      ? await calls(contender!, Number(arg), Number(arg2))
      : undefined;
if (result === undefined) throw new Error(`memory-child: unknown mode ${mode}`);
process.stdout.write(`${JSON.stringify(result)}\n`);
