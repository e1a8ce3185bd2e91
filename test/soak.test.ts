import { credentials } from "@grpc/grpc-js";
import { Registry } from "prom-client";
import { describe, expect, it, onTestFinished } from "vitest";
import { ClientMetrics, ServerMetrics } from "../runtime/index.js";
import { TestServiceService } from "../testdata/gen/test.js";
import { InstrumentedTestServiceClient, instrumentTestServiceServer } from "../testdata/gen/test_grpc_prom.js";
import { key, scrape } from "./support/exposition.js";
import { labels, type MethodName, methods } from "./support/harness.js";
import { startServer } from "./support/server.js";
import { type ClientOutcome, runCall } from "./support/soak-client.js";
import { compare, determinedEnd, expectations, read, summaryLine } from "./support/soak-ledger.js";
import { longDeadlineMs, makePlans, type Plan } from "./support/soak-plan.js";
import { soakService } from "./support/soak-service.js";
import { waitFor } from "./support/wait.js";

/**
 * The soak: thousands of calls of every type, with every way a call can end
 * (answers, error codes by status, throw and rejection, client cancels,
 * deadlines, and cancels and deadlines racing the answer), 96 in flight, over
 * loopback, between one instrumented server and one instrumented client, each
 * on its own Registry. Afterwards each side's metrics must equal what the
 * calls themselves recorded: the caller counts what it wrote, got and saw; the
 * handler counts what it read and wrote. Exact wherever the plan determines
 * it; where a cancel or deadline races a message or an answer, within the
 * bounds the two sides' records give, call by call (see soak-ledger.ts).
 *
 * The plans come from a seeded PRNG: the seed is printed, and SOAK_SEED=<seed>
 * replays the same plans (timings, and so racy outcomes, differ from run to
 * run; the assertions hold for every outcome). SOAK_CALLS changes the count.
 * Nothing here asserts speed: the bounds on waiting only turn a hang into a
 * failure that says what is outstanding.
 */

const calls = Number(process.env.SOAK_CALLS ?? 3_000);
const concurrency = 96;
const seed = process.env.SOAK_SEED === undefined ? (Math.random() * 2 ** 32) >>> 0 : Number(process.env.SOAK_SEED);

/** histogramCount reads the _count of a histogram series of a method. */
async function histogramCount(registry: Registry, name: string, method: MethodName): Promise<number> {
  const v = (await scrape(registry)).series.get(key(`${name}_count`, labels(method)));
  if (v === undefined) throw new Error(`no series ${name}_count for ${method}`);
  return v;
}

describe("soak", () => {
  it(`keeps both sides' metrics equal to what ${calls} mixed calls did (seed ${seed})`, async () => {
    console.log(`soak: seed ${seed}, ${calls} calls, ${concurrency} in flight (SOAK_SEED=${seed} replays the plans)`);
    const t0 = performance.now();
    const plans = makePlans(seed, calls);
    // The last call, made once every other has ended, is a barrier: its answer
    // comes back over the same HTTP/2 connection after the server has read
    // every earlier frame, so no call can reach a handler after it.
    const barrier: Plan = {
      ...plans[0]!,
      id: calls,
      method: "PingEmpty",
      type: "unary",
      kind: "ok",
      code: 0,
      style: "status",
      delayMs: 0,
      deadlineMs: longDeadlineMs,
      payload: 0,
    };
    const byId = new Map([...plans, barrier].map((p) => [p.id, p]));

    const serverRegistry = new Registry();
    const serverMetrics = new ServerMetrics({ registry: serverRegistry, handlingTimeHistogram: true });
    const { impl, records } = soakService(byId);
    const running = await startServer((s) =>
      s.addService(TestServiceService, instrumentTestServiceServer(impl, serverMetrics)),
    );
    onTestFinished(() => running.close());
    const clientRegistry = new Registry();
    const clientMetrics = new ClientMetrics({
      registry: clientRegistry,
      handlingTimeHistogram: true,
      streamReceiveTimeHistogram: true,
      streamSendTimeHistogram: true,
    });
    const client = new InstrumentedTestServiceClient(running.address, credentials.createInsecure(), {}, clientMetrics);
    onTestFinished(() => client.close());

    // 96 lanes take plans in order; each makes its next call when its last one ended.
    const outcomes: ClientOutcome[] = [];
    const inFlight = new Set<number>();
    let next = 0;
    const lane = async () => {
      while (next < plans.length) {
        const p = plans[next++]!;
        inFlight.add(p.id);
        outcomes.push(await runCall(client, p));
        inFlight.delete(p.id);
      }
    };
    const lanes = Promise.all(Array.from({ length: concurrency }, lane));
    const ended = await Promise.race([
      lanes.then(() => true),
      // A call not meant to time out has a 60 s deadline, which ends a hang with a status the checks below
      // report; this bound is the last resort, and says which calls were still open.
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 100_000).unref()),
    ]);
    expect(ended, `calls still open: ${[...inFlight].map((id) => JSON.stringify(byId.get(id))).slice(0, 5)}`).toBe(
      true,
    );
    outcomes.push(await runCall(client, barrier));
    const tCalls = performance.now();

    // Quiescence: every call has ended on the client; wait until the server has
    // closed every call whose handler ran to its planned end, those handlers have
    // nothing pending, and the server's counters account for every call. (grpc-js
    // before 1.14.3 can leave a handler whose call a deadline cut off without its
    // "cancelled", or waiting on a write: see the ledger.)
    const quiet = await waitFor(
      async () => {
        for (const r of records.values()) if (determinedEnd(r.plan) && (!r.closed || r.busy !== 0)) return false;
        for (const [m] of methods) {
          const s = await read(serverRegistry, "server", m);
          const handled = Object.values(s.handled).reduce((a, b) => a + b, 0);
          const ran = [...records.values()].filter((r) => r.plan.method === m).length;
          if (s.started !== ran || handled !== s.started) return false;
        }
        return true;
      },
      { timeoutMs: 10_000, intervalMs: 10, orFalse: true },
    );
    const tQuiet = performance.now();

    const { expected, faults } = expectations(outcomes, records);
    const mismatches: string[] = [];
    const lines: string[] = [];
    for (const [m, type] of methods) {
      const e = expected.get(m)!;
      const c = await read(clientRegistry, "client", m);
      const s = await read(serverRegistry, "server", m);
      lines.push(summaryLine(m, e, c, s));
      mismatches.push(...compare(m, e, c, s));
      // The histograms observe exactly as the counters count: once per handled call; on the
      // client, per message the caller wrote on streaming calls (each send is timed, as Go times
      // each SendMsg, sent or not), and per message received plus the end of the stream
      // (server-streaming, bidi) or once per call (client-streaming).
      const check = (what: string, got: number, want: number) => {
        if (got !== want) mismatches.push(`${m}: ${what} ${got}, expected ${want}`);
      };
      check(
        "server handling_seconds count",
        await histogramCount(serverRegistry, "grpc_server_handling_seconds", m),
        s.started,
      );
      check(
        "client handling_seconds count",
        await histogramCount(clientRegistry, "grpc_client_handling_seconds", m),
        c.started,
      );
      if (type !== "unary") {
        const send = await histogramCount(clientRegistry, "grpc_client_msg_send_handling_seconds", m);
        const recv = await histogramCount(clientRegistry, "grpc_client_msg_recv_handling_seconds", m);
        check("client msg_send_handling_seconds count", send, e.client.sent);
        check(
          "client msg_recv_handling_seconds count",
          recv,
          type === "client_stream" ? c.started : c.received + c.started,
        );
      }
    }

    const byKind = new Map<string, number>();
    for (const o of outcomes) byKind.set(o.plan.kind, (byKind.get(o.plan.kind) ?? 0) + 1);
    const reached = records.size;
    console.log(
      [
        `soak: seed ${seed}: ${outcomes.length} calls (${[...byKind].map(([k, n]) => `${k} ${n}`).join(", ")}), ` +
          `${reached} reached a handler; calls ${((tCalls - t0) / 1000).toFixed(1)} s, ` +
          `server quiescent after ${((tQuiet - tCalls) / 1000).toFixed(2)} s${quiet ? "" : " (NOT reached)"}`,
        ...lines,
      ].join("\n"),
    );

    // faults: calls whose own records contradict their plan; mismatches: metrics that differ from what the calls did.
    expect({ faults, mismatches }, `seed ${seed}`).toEqual({ faults: [], mismatches: [] });
    expect(quiet, `seed ${seed}: the server never became quiescent`).toBe(true);
  }, 150_000);
});
