// The work of one unary call, client side and server side, counted in
// instructions: each contender of bench/client-path.ts and
// bench/server-path.ts runs under valgrind's callgrind twice, with few calls
// and with many; the difference, divided by the difference in calls, is the
// instructions of one call, start-up and warm-up taken out. Instructions,
// unlike time, do not depend on what else the machine is doing, so
// differences of a few percent that timings on a shared machine cannot
// resolve show here. The plain client and server over loopback are counted
// too, the whole of each side of a real call, to set the others against. Not
// part of `npm run bench`: it takes ~15 minutes and needs valgrind (Debian's
// package `valgrind`).
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials } from "@grpc/grpc-js";
import { TestServiceClient } from "../testdata/gen/test.js";
import { calls as makeCalls } from "./client-path.js";
import { type Figure, figure } from "./figures.js";
import { servePlain } from "./server-path.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Job is one counted run: a contender of one side, with a number of calls. */
interface Job {
  readonly side: "client" | "server";
  readonly kind: string;
  readonly calls: number;
}

/** callgrind starts a child under callgrind and resolves with the instructions it executed, once it exits. */
function callgrind(job: Job, dir: string, extra: string[], onStart?: (child: ChildProcess) => void): Promise<number> {
  const child = spawn(
    "valgrind",
    [
      "--tool=callgrind",
      // V8 writes the code it runs: valgrind must look for that everywhere but in files.
      "--smc-check=all-non-file",
      `--callgrind-out-file=${join(dir, `${job.side}.${job.kind}.${job.calls}.out`)}`,
      process.execPath,
      // One thread: no concurrent compiler or collector whose timing would change the count.
      "--single-threaded",
      "--import",
      "tsx",
      `bench/${job.side}-path.ts`,
      job.kind,
      String(job.calls),
      ...extra,
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d) => (stderr += String(d)));
  onStart?.(child);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
      if (code !== 0 || !refs) {
        reject(
          new Error(`${job.side}-path ${job.kind} ${job.calls} under callgrind: exit ${code}\n${stderr.slice(-2000)}`),
        );
      } else resolve(Number(refs[1]!.replaceAll(",", "")));
    });
  });
}

/** loopbackServer counts a server over loopback: it prints its port, this process makes the calls. */
function loopbackServer(job: Job, dir: string): Promise<number> {
  let driving: Promise<void> | undefined;
  const counted = callgrind(job, dir, [], (child) => {
    driving = new Promise<void>((resolve, reject) => {
      child.stdout!.once("data", (d) => {
        const client = new TestServiceClient(`127.0.0.1:${String(d).trim()}`, credentials.createInsecure());
        makeCalls(client, job.calls).then(
          () => resolve(client.close()),
          (err) => reject(err),
        );
      });
    });
  });
  return Promise.all([counted, driving]).then(([n]) => n);
}

/** runInstructions counts the instructions per unary call of each contender, on both sides. */
export async function runInstructions(options: { quick: boolean }): Promise<Figure[]> {
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("the instructions measure needs valgrind: apt-get install valgrind");
  }
  const [few, many] = options.quick ? [500, 2_500] : [2_000, 22_000];
  // A call over loopback costs twenty times one without the network: fewer of them.
  const loopback = (calls: number) => Math.round(calls / 8);
  // One run of each child outside valgrind first, so that tsx's cache of compiled files is warm for every counted run.
  for (const side of ["client", "server"]) {
    execFileSync(process.execPath, ["--import", "tsx", `bench/${side}-path.ts`, "ours", "1"], { cwd: root });
  }
  const dir = mkdtempSync(join(tmpdir(), "grpc-prom-instructions-"));
  // The server of the client's loopback contender, in this process: it only answers.
  const { server, port } = await servePlain();
  try {
    const kinds = {
      client: ["plain", "plain-again", "noop-interceptor", "ours"],
      server: ["plain", "plain-again", "ours"],
    };
    // Over loopback, the whole side of a real call: plain; on the server also wrapped, and on an InstrumentedServer.
    const loopbackKinds = {
      client: ["plain-loopback"],
      server: ["plain-loopback", "ours-loopback", "instrumented-server-loopback"],
    };
    const isLoopback = (kind: string) => kind.endsWith("-loopback");
    const jobs: Job[] = [];
    for (const side of ["client", "server"] as const) {
      for (const kind of [...kinds[side], ...loopbackKinds[side]]) {
        for (const n of [few, many]) jobs.push({ side, kind, calls: isLoopback(kind) ? loopback(n) : n });
      }
    }
    const counts = new Map<string, number>();
    const key = (j: Job) => `${j.side}.${j.kind}.${j.calls}`;
    // Two at a time, one per core: a count does not depend on the machine's load, only the wall time does.
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const n =
          job.side === "server" && isLoopback(job.kind)
            ? await loopbackServer(job, dir)
            : await callgrind(job, dir, isLoopback(job.kind) ? [`127.0.0.1:${port}`] : []);
        counts.set(key(job), n);
        process.stderr.write(`  ${job.side} ${job.kind}, ${job.calls} calls: done\n`);
      }
    };
    await Promise.all([worker(), worker()]);
    const perCall = (side: Job["side"], kind: string) => {
      const [a, b] = isLoopback(kind) ? [loopback(few), loopback(many)] : [few, many];
      const n = (counts.get(key({ side, kind, calls: b }))! - counts.get(key({ side, kind, calls: a }))!) / (b - a);
      return { median: n, min: n, max: n };
    };
    const out: Figure[] = [];
    const names: Record<string, string> = {
      plain: "plain",
      "plain-again": "plain again (A/A: the noise)",
      "noop-interceptor": "a no-op interceptor",
      ours: "ours",
      "plain-loopback": "plain",
      "ours-loopback": "ours, the wrapper",
      "instrumented-server-loopback": "ours, InstrumentedServer",
    };
    for (const side of ["client", "server"] as const) {
      const measure = `${side} work of a unary call (instructions)`;
      const plain = perCall(side, "plain");
      for (const kind of kinds[side]) {
        const ref = kind === "plain" ? undefined : { name: "plain", spread: plain };
        out.push(figure(measure, names[kind]!, "instr/call", perCall(side, kind), ref));
      }
      const plainLoopback = perCall(side, "plain-loopback");
      for (const kind of loopbackKinds[side]) {
        const ref = kind === "plain-loopback" ? undefined : { name: "plain", spread: plainLoopback };
        out.push(
          figure(
            `${side} work of a unary call over loopback (instructions)`,
            names[kind]!,
            "instr/call",
            perCall(side, kind),
            ref,
          ),
        );
      }
    }
    return out;
  } finally {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}
