// The client's own work per unary call, counted in instructions: each
// contender of bench/client-path.ts runs under valgrind's callgrind twice,
// with few calls and with many; the difference, divided by the difference in
// calls, is the instructions of one call, start-up and warm-up taken out.
// Instructions, unlike time, do not depend on what else the machine is doing,
// so differences of a few percent that timings on a shared machine cannot
// resolve show here. Not part of `npm run bench`: it takes ~10 minutes and
// needs valgrind (Debian's package `valgrind`). The plain client over loopback
// is counted too, the whole client side of a real call, to set the others against.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData } from "@grpc/grpc-js";
import type { PingRequest, PingResponse, TestServiceServer } from "../testdata/gen/test.js";
import { TestServiceService } from "../testdata/gen/test.js";
import { type ClientPathKind, clientPathKinds } from "./client-path.js";
import { type Figure, figure } from "./figures.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

/** instructions runs one contender under callgrind and returns the instructions it executed. */
async function instructions(kind: ClientPathKind, calls: number, dir: string, address: string): Promise<number> {
  const { stderr } = await run(
    "valgrind",
    [
      "--tool=callgrind",
      // V8 writes the code it runs: valgrind must look for that everywhere but in files.
      "--smc-check=all-non-file",
      `--callgrind-out-file=${join(dir, `${kind}.${calls}.out`)}`,
      process.execPath,
      // One thread: no concurrent compiler or collector whose timing would change the count.
      "--single-threaded",
      "--import",
      "tsx",
      "bench/client-path.ts",
      kind,
      String(calls),
      address,
    ],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  );
  const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  if (!refs) throw new Error(`callgrind printed no instruction count for ${kind}:\n${stderr.slice(-2000)}`);
  return Number(refs[1]!.replaceAll(",", ""));
}

/** runInstructions counts the instructions per unary call of each client-path contender. */
export async function runInstructions(options: { quick: boolean }): Promise<Figure[]> {
  try {
    execFileSync("valgrind", ["--version"], { stdio: "ignore" });
  } catch {
    throw new Error("the instructions measure needs valgrind: apt-get install valgrind");
  }
  const [few, many] = options.quick ? [500, 2_500] : [2_000, 22_000];
  // One run outside valgrind first, so that tsx's cache of compiled files is warm for every counted run alike.
  execFileSync(process.execPath, ["--import", "tsx", "bench/client-path.ts", "ours", "1"], { cwd: root });
  const dir = mkdtempSync(join(tmpdir(), "grpc-prom-instructions-"));
  // The server of the loopback contender, in this process: it only answers.
  const server = new Server();
  server.addService(TestServiceService, {
    ping: (call: ServerUnaryCall<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) =>
      callback(null, { Value: call.request.value, counter: 1 }),
  } as Partial<TestServiceServer> as TestServiceServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const address = `127.0.0.1:${port}`;
  // A call over loopback costs twenty times one on the answering channel: fewer of them.
  const loopback = (calls: number) => Math.round(calls / 8);
  try {
    const jobs = clientPathKinds.flatMap((kind) =>
      [few, many].map((calls) => ({ kind, calls: kind === "plain-loopback" ? loopback(calls) : calls })),
    );
    const counts = new Map<string, number>();
    // Two at a time, one per core: a count does not depend on the machine's load, only the wall time does.
    const queue = [...jobs];
    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        counts.set(`${job.kind}.${job.calls}`, await instructions(job.kind, job.calls, dir, address));
        process.stderr.write(`  ${job.kind}, ${job.calls} calls: done\n`);
      }
    };
    await Promise.all([worker(), worker()]);
    const perCall = (kind: ClientPathKind) => {
      const [a, b] = kind === "plain-loopback" ? [loopback(few), loopback(many)] : [few, many];
      return (counts.get(`${kind}.${b}`)! - counts.get(`${kind}.${a}`)!) / (b - a);
    };
    const one = (n: number) => ({ median: n, min: n, max: n });
    const measure = "client work of a unary call (instructions)";
    const plain = one(perCall("plain"));
    const ref = { name: "plain", spread: plain };
    return [
      figure(measure, "plain", "instr/call", plain),
      figure(measure, "plain again (A/A: the noise)", "instr/call", one(perCall("plain-again")), ref),
      figure(measure, "a no-op interceptor", "instr/call", one(perCall("noop-interceptor")), ref),
      figure(measure, "ours", "instr/call", one(perCall("ours")), ref),
      figure(
        "client work of a unary call over loopback (instructions)",
        "plain",
        "instr/call",
        one(perCall("plain-loopback")),
      ),
    ];
  } finally {
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}
