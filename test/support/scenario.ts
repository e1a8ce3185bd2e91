import { type ClientDuplexStream, Metadata, type ServiceError } from "@grpc/grpc-js";
import type { PingRequest, PingResponse, TestServiceClient } from "../../testdata/gen/test.js";

/** Step is one line of a scenario file, in the format of the Go reference driver. */
export interface Step {
  readonly call: string;
  readonly repeat?: number;
  readonly code?: number;
  readonly messages?: number;
  readonly sleep_ms?: number;
  readonly deadline_ms?: number;
  readonly cancel_after_ms?: number;
}

/** runScenario makes every call of the steps, one at a time, each to its end, as the Go driver does. */
export async function runScenario(client: TestServiceClient, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    for (let i = 0; i < (step.repeat ?? 1); i++) await call(client, step);
  }
}

/** callOptions gives every call a deadline: the step's, else a generous one so a hang still fails. */
function callOptions(step: Step) {
  return { deadline: new Date(Date.now() + (step.deadline_ms ?? 10_000)) };
}

function cancelLater(step: Step, c: { cancel(): void }): void {
  if (step.cancel_after_ms !== undefined) setTimeout(() => c.cancel(), step.cancel_after_ms);
}

/** call makes one call of a step and resolves when it has ended, whatever its status. */
export function call(client: TestServiceClient, step: Step): Promise<unknown> {
  const req: PingRequest = { value: "something", sleepTimeMs: step.sleep_ms ?? 0, errorCodeReturned: step.code ?? 0 };
  const messages = step.messages ?? 3;
  const md = new Metadata();
  return new Promise((resolve) => {
    const done = (err: ServiceError | null) => resolve(err);
    switch (step.call) {
      case "PingEmpty":
        return cancelLater(step, client.pingEmpty({}, md, callOptions(step), done));
      case "Ping":
        return cancelLater(step, client.ping(req, md, callOptions(step), done));
      case "PingError":
        return cancelLater(step, client.pingError(req, md, callOptions(step), done));
      case "PingList": {
        const s = client.pingList(req, md, callOptions(step));
        cancelLater(step, s);
        s.on("data", () => {});
        s.on("error", () => {});
        s.on("status", () => resolve(null));
        return;
      }
      case "PingClientStream": {
        const s = client.pingClientStream(md, callOptions(step), done);
        cancelLater(step, s);
        for (let i = 0; i < messages; i++) {
          s.write({ value: "something", sleepTimeMs: 0, errorCodeReturned: i === messages - 1 ? (step.code ?? 0) : 0 });
        }
        s.end();
        return;
      }
      case "PingStream": {
        const s = client.pingStream(md, callOptions(step));
        cancelLater(step, s);
        s.on("status", () => resolve(null));
        void pingPong(s, step, messages);
        return;
      }
      default:
        throw new Error(`unknown call ${step.call}`);
    }
  });
}

/** pingPong sends each request and waits for its echo, as the Go driver does, then half-closes and drains. */
async function pingPong(s: ClientDuplexStream<PingRequest, PingResponse>, step: Step, messages: number): Promise<void> {
  const it = s[Symbol.asyncIterator]();
  const next = () =>
    it.next().then(
      (r) => !r.done,
      () => false,
    );
  for (let i = 0; i < messages; i++) {
    s.write({
      value: "something",
      sleepTimeMs: step.sleep_ms ?? 0,
      errorCodeReturned: i === messages - 1 ? (step.code ?? 0) : 0,
    });
    if (!(await next())) return;
  }
  s.end();
  while (await next());
}
