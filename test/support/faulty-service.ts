import type {
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceError,
  sendUnaryData,
} from "@grpc/grpc-js";
import type { Empty, PingRequest, PingResponse, TestServiceServer } from "../../testdata/gen/test.js";
import { sleep } from "./wait.js";

const status = (code: number, details: string) => ({ code, details }) as ServiceError;
const reply = (n: number): PingResponse => ({ Value: "v", counter: n });

/**
 * faultyService ends its calls in every way a handler can, chosen by the
 * request's `value` (on bidi calls, by each request's; client-streaming calls
 * have one behaviour): the terminal paths the exactly-once tests walk.
 */
export const faultyService: TestServiceServer = {
  pingEmpty(_call: ServerUnaryCall<Empty, PingResponse>, cb: sendUnaryData<PingResponse>) {
    cb(null, reply(0));
  },

  async ping(call: ServerUnaryCall<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
    switch (call.request.value) {
      case "ok":
        return cb(null, reply(1));
      case "code":
        return cb(status(5, "not here"));
      case "no-code":
        return cb(new Error("no code") as ServiceError);
      case "throw":
        throw new Error("thrown");
      case "reject":
        await sleep(1);
        throw new Error("rejected");
      case "twice":
        cb(null, reply(1));
        return cb(status(13, "second answer"));
      case "slow":
        await sleep(call.request.sleepTimeMs);
        return cb(null, reply(1));
      default:
        return cb(status(3, `unknown behaviour ${call.request.value}`));
    }
  },

  pingError(_call: ServerUnaryCall<PingRequest, Empty>, cb: sendUnaryData<Empty>) {
    cb(status(9, "always"));
  },

  async pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
    const { value, sleepTimeMs } = call.request;
    switch (value) {
      case "write-after-end":
        call.write(reply(0));
        call.end();
        call.write(reply(1));
        return;
      case "error-twice":
        call.write(reply(0));
        call.emit("error", status(9, "first"));
        call.emit("error", status(10, "second"));
        return;
      case "end-then-error":
        call.write(reply(0));
        call.end();
        call.emit("error", status(10, "after end"));
        return;
      default:
        // "stream": after waiting sleepTimeMs once, 20 messages 20 ms apart.
        await sleep(sleepTimeMs);
        for (let i = 0; i < 20 && !call.cancelled; i++) {
          call.write(reply(i));
          await sleep(20);
        }
        if (!call.cancelled) call.end();
    }
  },

  pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, cb: sendUnaryData<PingResponse>) {
    let n = 0;
    call.on("data", () => n++);
    // Answers a moment after the input ends, so a cancel is seen as one (see docs/metrics.md on grpc-js).
    call.on("end", () => setTimeout(() => cb(null, reply(n)), 50));
  },

  pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
    call.on("data", (r: PingRequest) => {
      if (r.value === "twice-error") {
        call.emit("error", status(9, "first"));
        call.emit("error", status(10, "second"));
      } else if (!call.cancelled && !call.writableEnded) {
        call.write(reply(0));
      }
    });
    call.on("end", () => setTimeout(() => !call.writableEnded && call.end(), 50));
  },
};
