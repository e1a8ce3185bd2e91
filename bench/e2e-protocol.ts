// What the parent of measure 2 (bench/e2e.ts) and its two children
// (bench/e2e-server.ts, bench/e2e-client.ts) say to each other over the IPC
// channel node:child_process.fork opens.

/** ClientKind names a client child: the stack it runs and whether it records metrics. */
export type ClientKind = "grpc-js" | "grpc-js + ours" | "nice-grpc" | "nice-grpc + prometheus";
/**
 * ServerKind names a server child, as ClientKind, and two more ways of ours:
 * the run-time path (instrumentServer given the grpc-js ServiceDefinition,
 * not the generated table) and an InstrumentedServer (a server interceptor,
 * the implementation unwrapped).
 */
export type ServerKind = ClientKind | "grpc-js + ours, by definition" | "grpc-js + InstrumentedServer";

export const clientKinds: readonly ClientKind[] = ["grpc-js", "grpc-js + ours", "nice-grpc", "nice-grpc + prometheus"];
export const serverKinds: readonly ServerKind[] = [
  ...clientKinds,
  "grpc-js + ours, by definition",
  "grpc-js + InstrumentedServer",
];

/**
 * Phase names one workload the client drives at a fixed concurrency:
 * unary Ping calls; PingList calls (one request, 20 responses); PingStream
 * calls (20 requests written at once, then half-close, 20 echoes).
 */
export type Phase = "unary" | "list" | "bidi";
export const phases: readonly Phase[] = ["unary", "list", "bidi"];

/** messagesPerStream is how many responses a PingList or PingStream call carries (PingList's 20, as the Go service). */
export const messagesPerStream = 20;

/** CpuUsage is process.cpuUsage(): user and system time in microseconds. */
export interface CpuUsage {
  readonly user: number;
  readonly system: number;
}

/** PhaseResult is what the client measured over one phase. */
export interface PhaseResult {
  readonly phase: Phase;
  /** windowMs is the measured window: calls start during it, and only what completes in it counts. */
  readonly windowMs: number;
  /** calls is how many calls completed, without error, within the window. */
  readonly calls: number;
  /** messages is how many response messages arrived within the window (a unary call's response is one). */
  readonly messages: number;
  /** totalMessages counts every response message, the drain after the window included: CPU time is divided by it. */
  readonly totalMessages: number;
  readonly errors: number;
  /** p50Ms and p99Ms are the latencies of the calls completed within the window. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** cpu is the client process's CPU time over the phase, drain included. */
  readonly cpu: CpuUsage;
}

/** Messages from the parent to a server child. */
export type ToServer = { readonly type: "cpu" } | Profile | { readonly type: "exit" };
/** Profile asks a child to start its CPU profiler (bench/e2e-profiler.ts), to be written into dir when it exits. */
export interface Profile {
  readonly type: "profile";
  readonly dir: string;
}
/** Messages from a server child to the parent. */
export type FromServer =
  | { readonly type: "listening"; readonly port: number }
  | { readonly type: "cpu"; readonly cpu: CpuUsage }
  | { readonly type: "profiling" };

/** Messages from the parent to a client child. */
export type ToClient =
  | { readonly type: "connect"; readonly address: string }
  | { readonly type: "run"; readonly phase: Phase; readonly ms: number; readonly concurrency: number }
  | Profile
  | { readonly type: "exit" };
/** Messages from a client child to the parent. */
export type FromClient =
  | { readonly type: "loaded" }
  | { readonly type: "connected" }
  | { readonly type: "result"; readonly result: PhaseResult }
  | { readonly type: "profiling" };

/** cpuMicros is the CPU time (user + system) between two readings, in microseconds. */
export function cpuMicros(from: CpuUsage, to: CpuUsage): number {
  return to.user - from.user + (to.system - from.system);
}

/** send writes a message to the parent, failing loudly when there is no IPC channel. */
export function sendToParent(message: FromServer | FromClient): void {
  if (!process.send) throw new Error("bench/e2e: this child must be started by bench/e2e.ts, with an IPC channel");
  process.send(message);
}
