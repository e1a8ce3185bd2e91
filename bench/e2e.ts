// Measure 2: end to end over loopback. Each contender is a pairing of a
// server and a client, each in a node process of its own (bench/e2e-server.ts,
// bench/e2e-client.ts), with and without metrics, ours and
// nice-grpc-prometheus's. The client drives unary Ping calls, PingList calls
// (20 responses each) and PingStream calls (20 requests, 20 echoes) at a
// fixed concurrency. Every pair is started once and warmed up; then, round by
// round, in an order that rotates, each pair measures each phase for a fixed
// time while the other pairs sit idle. Short windows interleaved over many
// rounds share out a noisy neighbour's bursts; fresh processes per round
// would spend most of the time starting and warming up instead.
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ClientKind,
  type CpuUsage,
  cpuMicros,
  type FromClient,
  type FromServer,
  type Phase,
  type PhaseResult,
  phases,
  type ServerKind,
  type ToClient,
  type ToServer,
} from "./e2e-protocol.js";
import { alternate, type Figure, figure, type Spread, spread } from "./figures.js";

/** root is the repository's root: children run there, so that tsx finds its tsconfig. */
const root = fileURLToPath(new URL("..", import.meta.url));

/** concurrency is how many calls the client keeps in flight. */
export const e2eConcurrency = 32;

/**
 * The contenders: which server and which client each pairs. "baseline, A/A"
 * is a second, identical baseline pair: its ratio to `baseline` is the
 * measurement's own resolution on this machine, the yardstick for every
 * other ratio.
 */
const contenders = {
  baseline: { server: "grpc-js", client: "grpc-js" },
  "baseline, A/A": { server: "grpc-js", client: "grpc-js" },
  "ours, server": { server: "grpc-js + ours", client: "grpc-js" },
  "ours, server, by definition": { server: "grpc-js + ours, by definition", client: "grpc-js" },
  "ours, InstrumentedServer": { server: "grpc-js + InstrumentedServer", client: "grpc-js" },
  "ours, client": { server: "grpc-js", client: "grpc-js + ours" },
  "ours, both": { server: "grpc-js + ours", client: "grpc-js + ours" },
  "nice-grpc": { server: "nice-grpc", client: "nice-grpc" },
  "nice-grpc + nice-grpc-prometheus": { server: "nice-grpc + prometheus", client: "nice-grpc + prometheus" },
} as const satisfies Record<string, { server: ServerKind; client: ClientKind }>;
type Contender = keyof typeof contenders;

/** reference names the contender each one's ratio is taken against. */
const reference: Record<Contender, Contender | undefined> = {
  baseline: undefined,
  "baseline, A/A": "baseline",
  "ours, server": "baseline",
  "ours, server, by definition": "baseline",
  "ours, InstrumentedServer": "baseline",
  "ours, client": "baseline",
  "ours, both": "baseline",
  "nice-grpc": "baseline",
  "nice-grpc + nice-grpc-prometheus": "nice-grpc",
};

/** targeted is the contender the targets are stated for: both sides instrumented. */
const targeted: Contender = "ours, both";
const minThroughputRatio = 0.98;
const maxP99Ratio = 1.02;

interface Durations {
  /** warmupMs is how long each phase runs, unmeasured, on each pair before the first round. */
  readonly warmupMs: Readonly<Record<Phase, number>>;
  /** measureMs is each phase's window in every round. */
  readonly measureMs: Readonly<Record<Phase, number>>;
}

const full: Durations = {
  warmupMs: { unary: 2_000, list: 1_000, bidi: 1_000 },
  measureMs: { unary: 2_000, list: 1_000, bidi: 1_000 },
};
const quick: Durations = {
  warmupMs: { unary: 300, list: 200, bidi: 200 },
  measureMs: { unary: 300, list: 300, bidi: 300 },
};

/** Session is what one contender measured in one round. */
interface Session {
  readonly client: Readonly<Partial<Record<Phase, PhaseResult>>>;
  /** serverCpuMicros is the server process's CPU time over each measured phase, drain included. */
  readonly serverCpuMicros: Readonly<Partial<Record<Phase, number>>>;
  /**
   * otherCores is how many cores, on average over the session, went to
   * anything but the pair (other processes, the hypervisor's steal), from
   * /proc/stat; NaN where there is none.
   */
  readonly otherCores: number;
}

export interface E2eOptions {
  readonly rounds: number;
  /** quick runs one round of short phases, without the A/A pair: a smoke test of the machinery, its numbers are noise. */
  readonly quick: boolean;
  /** only runs these contenders (with the references their ratios need, when listed too). */
  readonly only?: readonly string[];
  /** phases runs only these phases (default: all); figures of the others are left out. */
  readonly phases?: readonly Phase[];
  /**
   * cpuProfDir, when set, has every child profile its CPU over the measured
   * rounds (after warm-up) and write `<role>-<kind>-<pid>.cpuprofile` into
   * it; the runtime they ran is left there too, compiled with source maps,
   * in e2e-runtime/ (bench/e2e-profile.ts maps lines back to runtime/).
   */
  readonly cpuProfDir?: string;
}

/**
 * runE2e measures unary and streaming throughput and unary latency over
 * loopback, server and client in separate processes, for each contender;
 * figures are medians over the rounds with min and max, ratios against
 * `baseline` (nice-grpc-prometheus against plain nice-grpc).
 */
export async function runE2e(options: E2eOptions): Promise<Figure[]> {
  const durations = options.quick ? quick : full;
  const rounds = options.quick ? 1 : options.rounds;
  // One quick round says nothing about resolution: the A/A pair runs in quick mode only when asked for.
  const names = (Object.keys(contenders) as Contender[]).filter((c) =>
    options.only ? options.only.includes(c) : !(options.quick && c === "baseline, A/A"),
  );
  if (names.length === 0) throw new Error(`runE2e: no contender among ${JSON.stringify(options.only)}`);
  const pairs = new Map<Contender, Pair>();
  const runPhases = phases.filter((p) => !options.phases || options.phases.includes(p));
  if (runPhases.length === 0) throw new Error(`runE2e: no phase among ${JSON.stringify(options.phases)}`);
  const runtime = buildRuntime(options.cpuProfDir);
  const launch: Launch = {
    env: { ...process.env, TSX_TSCONFIG_PATH: runtime.tsconfig },
  };
  try {
    // Started together (start-up is not measured); a pair that fails to start stops the others in finally.
    const started = await Promise.allSettled(
      names.map(async (name) => pairs.set(name, await Pair.start(contenders[name], launch))),
    );
    for (const s of started) if (s.status === "rejected") throw s.reason;
    for (const pair of pairs.values()) await pair.warmUp(runPhases, durations.warmupMs);
    if (options.cpuProfDir !== undefined) {
      for (const pair of pairs.values()) await pair.profile(options.cpuProfDir);
    }
    const sessions = Object.fromEntries(names.map((n) => [n, [] as Session[]])) as Record<Contender, Session[]>;
    await alternate(
      rounds,
      Object.fromEntries(
        names.map((name) => [
          name,
          async () => {
            const s = await pairs.get(name)!.measure(runPhases, durations.measureMs);
            sessions[name].push(s);
            return s.client.unary ? throughput(s.client.unary) : 0;
          },
        ]),
      ) as Record<Contender, () => Promise<number>>,
    );
    if (options.cpuProfDir !== undefined) {
      // What each profile covers, to read its times per call or message.
      for (const name of names) {
        const done = runPhases.map((p) => `${p} ${sessions[name].reduce((n, s) => n + s.client[p]!.totalMessages, 0)}`);
        console.error(
          `bench/e2e: profiled ${name} (${contenders[name].client} → ${contenders[name].server}): ${done.join(", ")} messages`,
        );
      }
    }
    return figures(names, runPhases, sessions);
  } finally {
    await Promise.all([...pairs.values()].map((p) => p.stop()));
    if (runtime.temporary) rmSync(runtime.dir, { recursive: true, force: true });
  }
}

/** Launch is how children are started: their environment names the tsconfig tsx reads. */
interface Launch {
  readonly env: NodeJS.ProcessEnv;
}

/**
 * buildRuntime compiles runtime/ as it ships (tsc, CommonJS, the package's
 * own build settings) into a private temporary directory, and writes a
 * tsconfig whose paths point the generated code's
 * `protoc-gen-grpc-prom/runtime` at it. Children load the runtime from
 * there: run from source, tsx would compile it with esbuild's keepNames,
 * which wraps every closure a call creates in a defineProperty call that
 * the shipped code does not make. A private copy also keeps the run apart
 * from whatever state dist/ is in while others build. Its peers,
 * @grpc/grpc-js and prom-client, are symlinks to the repository's, so that
 * it shares their one copy with the generated code, as an installed package
 * would.
 */
function buildRuntime(keepIn: string | undefined): {
  readonly dir: string;
  readonly tsconfig: string;
  readonly temporary: boolean;
} {
  // Kept (for profiles) in a directory of its own name, replaced on every run.
  const dir = keepIn === undefined ? mkdtempSync(join(tmpdir(), "grpc-prom-e2e-")) : join(keepIn, "e2e-runtime");
  if (keepIn !== undefined) rmSync(dir, { recursive: true, force: true });
  try {
    const out = join(dir, "node_modules", "runtime");
    const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
    // Source maps only for profiles: they are the one difference from the shipped build.
    const args = ["-p", join(root, "tsconfig.build-runtime.json"), "--outDir", out, "--declaration", "false"];
    if (keepIn !== undefined) args.push("--sourceMap", "true");
    execFileSync(process.execPath, [tsc, ...args], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    writeFileSync(join(out, "package.json"), JSON.stringify({ type: "commonjs" }));
    const peers = Object.keys(
      (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { peerDependencies: Record<string, string> })
        .peerDependencies,
    );
    for (const peer of peers) {
      const link = join(dir, "node_modules", peer);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(root, "node_modules", peer), link, "dir");
    }
    const tsconfig = join(dir, "tsconfig.json");
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: join(root, "tsconfig.json"),
        compilerOptions: { paths: { "protoc-gen-grpc-prom/runtime": [join(out, "index.js")] } },
      }),
    );
    return { dir, tsconfig, temporary: keepIn === undefined };
  } catch (err) {
    if (keepIn === undefined) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function throughput(r: PhaseResult): number {
  return r.messages / (r.windowMs / 1000);
}

/** Measure is one line of the table per contender: its name, unit, what it reads from a session, and its target. */
interface Measure {
  /** phase is the phase the measure reads, which must have run; none for the session as a whole. */
  readonly phase?: Phase;
  readonly name: string;
  readonly unit: string;
  readonly read: (s: Session) => number;
  /** ratio is false for a measure no contender's ratio means anything on. */
  readonly ratio?: false;
  readonly target?: { readonly text: string; readonly met: (ratio: number) => boolean };
}

const throughputTarget = {
  text: `ratio >= ${minThroughputRatio}`,
  met: (ratio: number) => ratio >= minThroughputRatio,
};

const measures: readonly Measure[] = [
  {
    phase: "unary",
    name: "e2e: unary throughput",
    unit: "calls/s",
    read: (s) => throughput(s.client.unary!),
    target: throughputTarget,
  },
  { phase: "unary", name: "e2e: unary latency p50", unit: "ms", read: (s) => s.client.unary!.p50Ms },
  {
    phase: "unary",
    name: "e2e: unary latency p99",
    unit: "ms",
    read: (s) => s.client.unary!.p99Ms,
    target: { text: `ratio <= ${maxP99Ratio}`, met: (ratio) => ratio <= maxP99Ratio },
  },
  {
    phase: "list",
    name: "e2e: server-streaming throughput",
    unit: "msgs/s",
    read: (s) => throughput(s.client.list!),
    target: throughputTarget,
  },
  {
    phase: "bidi",
    name: "e2e: bidi throughput",
    unit: "msgs/s",
    read: (s) => throughput(s.client.bidi!),
    target: throughputTarget,
  },
  // How busy the machine was with other work: when this moves between
  // contenders, so do their throughput and latency, whatever they cost.
  { name: "e2e: other load during the windows", unit: "cores", read: (s) => s.otherCores, ratio: false },
  // CPU time per call or message, each process on its own: less swayed by a
  // noisy neighbour than throughput, and it shows which side pays.
  ...phases.flatMap((phase): Measure[] => {
    const what = phase === "unary" ? "unary" : phase === "list" ? "server-streaming" : "bidi";
    const unit = phase === "unary" ? "µs/call" : "µs/msg";
    return [
      {
        phase,
        name: `e2e: server CPU, ${what}`,
        unit,
        read: (s) => s.serverCpuMicros[phase]! / s.client[phase]!.totalMessages,
      },
      {
        phase,
        name: `e2e: client CPU, ${what}`,
        unit,
        read: (s) => cpuMicros({ user: 0, system: 0 }, s.client[phase]!.cpu) / s.client[phase]!.totalMessages,
      },
    ];
  }),
];

/**
 * resolution notes, beside a target, the A/A ratio on the same measure when
 * the A/A pair ran: two identical pairs differ by that much on this machine,
 * so a ratio closer to 1 than that says nothing either way.
 */
function resolution(spreads: ReadonlyMap<Contender, Spread>): string {
  const a = spreads.get("baseline");
  const aa = spreads.get("baseline, A/A");
  if (a === undefined || aa === undefined) return "";
  return `; A/A ratio ${(aa.median / a.median).toFixed(3)}`;
}

function figures(names: readonly Contender[], run: readonly Phase[], sessions: Record<Contender, Session[]>): Figure[] {
  const out: Figure[] = [];
  for (const m of measures) {
    if (m.phase !== undefined && !run.includes(m.phase)) continue;
    const spreads = new Map<Contender, Spread>(names.map((n) => [n, spread(sessions[n].map(m.read))]));
    for (const name of names) {
      const refName = m.ratio === false ? undefined : reference[name];
      const ref = refName === undefined ? undefined : spreads.get(refName);
      const s = spreads.get(name)!;
      const withRef = ref === undefined || refName === undefined ? undefined : { name: refName, spread: ref };
      const target =
        name === targeted && m.target && withRef
          ? { text: m.target.text + resolution(spreads), met: m.target.met(s.median / withRef.spread.median) }
          : undefined;
      out.push(figure(m.name, name, m.unit, s, withRef, target));
    }
  }
  return out;
}

/** Pair is a running server and a client connected to it, in two processes. */
class Pair {
  private constructor(
    private readonly what: string,
    private readonly server: Child<ToServer, FromServer>,
    private readonly client: Child<ToClient, FromClient>,
  ) {}

  /** start starts a server and a client of the given kinds and connects the client. */
  static async start(
    kinds: { readonly server: ServerKind; readonly client: ClientKind },
    launch: Launch,
  ): Promise<Pair> {
    const server = new Child<ToServer, FromServer>("e2e-server.ts", kinds.server, launch);
    const client = new Child<ToClient, FromClient>("e2e-client.ts", kinds.client, launch);
    const pair = new Pair(`${kinds.client} → ${kinds.server}`, server, client);
    try {
      const [listening] = await Promise.all([server.next("listening"), client.next("loaded")]);
      client.send({ type: "connect", address: `127.0.0.1:${listening.port}` });
      await client.next("connected");
      return pair;
    } catch (err) {
      await pair.stop();
      throw err;
    }
  }

  /** warmUp runs each phase, unmeasured, so that both processes reach their optimised code. */
  async warmUp(run: readonly Phase[], ms: Readonly<Record<Phase, number>>): Promise<void> {
    for (const phase of run) await this.run(phase, ms[phase]);
  }

  /** profile starts both children's CPU profilers. */
  async profile(dir: string): Promise<void> {
    this.server.send({ type: "profile", dir });
    this.client.send({ type: "profile", dir });
    await Promise.all([this.server.next("profiling"), this.client.next("profiling")]);
  }

  /** measure runs each phase for its window, reading the server's CPU time around each. */
  async measure(run: readonly Phase[], ms: Readonly<Record<Phase, number>>): Promise<Session> {
    const client: Partial<Record<Phase, PhaseResult>> = {};
    const serverCpuMicros: Partial<Record<Phase, number>> = {};
    const busy0 = machineBusyMicros();
    const t0 = performance.now();
    let ours = 0;
    for (const phase of run) {
      const before = await this.serverCpu();
      const result = await this.run(phase, ms[phase]);
      const server = cpuMicros(before, await this.serverCpu());
      client[phase] = result;
      serverCpuMicros[phase] = server;
      ours += server + cpuMicros({ user: 0, system: 0 }, result.cpu);
    }
    const otherCores = (machineBusyMicros() - busy0 - ours) / ((performance.now() - t0) * 1000);
    return { client, serverCpuMicros, otherCores };
  }

  async stop(): Promise<void> {
    await Promise.all([this.server.stop(), this.client.stop()]);
  }

  private async run(phase: Phase, ms: number): Promise<PhaseResult> {
    this.client.send({ type: "run", phase, ms, concurrency: e2eConcurrency });
    const { result } = await this.client.next("result", ms + 60_000);
    if (result.errors > 0) throw new Error(`bench/e2e: ${this.what}: ${result.errors} ${phase} calls failed`);
    return result;
  }

  private async serverCpu(): Promise<CpuUsage> {
    this.server.send({ type: "cpu" });
    return (await this.server.next("cpu")).cpu;
  }
}

/** machineBusyMicros reads the CPU time every core has spent busy since boot, steal included, from /proc/stat; NaN without it. */
function machineBusyMicros(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice, in USER_HZ (100 on Linux) ticks.
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/** Child is a forked bench child: messages sent to it, messages awaited by type, and a clean stop. */
class Child<To extends { type: string }, From extends { type: string }> {
  private readonly proc: ChildProcess;
  private readonly inbox: From[] = [];
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(script: string, kind: string, launch: Launch) {
    const execArgv = ["--import", "tsx"];
    this.proc = fork(fileURLToPath(new URL(script, import.meta.url)), [kind], {
      cwd: root,
      env: launch.env,
      execArgv,
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const what = `${script} ${kind}`;
    this.proc.on("message", (m: From) => {
      this.inbox.push(m);
      this.waiter?.();
    });
    this.exited = new Promise((resolve) => {
      this.proc.on("exit", (code, signal) => {
        this.failure ??= new Error(`bench/e2e: ${what} exited (${signal ?? code}) before it was done`);
        this.waiter?.();
        resolve();
      });
      this.proc.on("error", (err) => {
        this.failure ??= err;
        this.waiter?.();
      });
    });
  }

  send(message: To): void {
    this.proc.send(message);
  }

  /** next resolves with the next message of the type, failing if the child dies or timeoutMs passes first. */
  async next<T extends From["type"]>(type: T, timeoutMs = 60_000): Promise<Extract<From, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.inbox.splice(i, 1)[0] as Extract<From, { type: T }>;
      if (this.failure) throw this.failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`bench/e2e: no ${type} from a child within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  /** stop asks the child to exit, kills it if it has not within 10 s, and resolves once it has exited. */
  async stop(): Promise<void> {
    this.failure ??= new Error("bench/e2e: child stopped");
    if (this.proc.exitCode === null && this.proc.signalCode === null && this.proc.connected) {
      this.proc.send({ type: "exit" });
    }
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}
