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

/** listResponses is how many responses PingList sends, as go-grpc-prometheus's test service. */
export const listResponses = 20;

function statusError(code: number, details: string): ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: undefined as never });
}

/** Reply makes a PingResponse in a generator's shape: ts-proto's field is `Value`, protobuf-ts's `value`. */
export type Reply = (value: string, counter: number) => PingResponse;

/**
 * conformanceService implements the conformance service of test.proto with
 * the behaviour written in its comments, as the Go reference's service does,
 * answering with responses reply makes: one service for every generator's
 * messages, so that each path makes the same exposition.
 */
export function conformanceService(reply: Reply): TestServiceServer {
  return {
    pingEmpty(_call: ServerUnaryCall<Empty, PingResponse>, callback: sendUnaryData<PingResponse>) {
      callback(null, reply("I like kittens.", 42));
    },

    ping(call: ServerUnaryCall<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) {
      const respond = () => callback(null, reply(call.request.value, 42));
      if (call.request.sleepTimeMs > 0) setTimeout(respond, call.request.sleepTimeMs);
      else respond();
    },

    pingError(call: ServerUnaryCall<PingRequest, Empty>, callback: sendUnaryData<Empty>) {
      callback(statusError(call.request.errorCodeReturned, "Userspace error."));
    },

    async pingList(call: ServerWritableStream<PingRequest, PingResponse>) {
      const { errorCodeReturned, sleepTimeMs, value } = call.request;
      if (errorCodeReturned !== 0) {
        call.emit("error", statusError(errorCodeReturned, "foobar"));
        return;
      }
      for (let i = 0; i < listResponses; i++) {
        if (sleepTimeMs > 0) await sleep(sleepTimeMs);
        if (call.cancelled) return;
        call.write(reply(value, i));
      }
      call.end();
    },

    pingClientStream(call: ServerReadableStream<PingRequest, PingResponse>, callback: sendUnaryData<PingResponse>) {
      let count = 0;
      let failWith = 0;
      call.on("data", (req: PingRequest) => {
        count++;
        if (failWith === 0) failWith = req.errorCodeReturned;
      });
      call.on("end", () => {
        if (failWith !== 0) callback(statusError(failWith, "foobar"));
        else callback(null, reply("", count));
      });
    },

    pingStream(call: ServerDuplexStream<PingRequest, PingResponse>) {
      let i = 0;
      let done = false;
      call.on("data", (req: PingRequest) => {
        if (done) return;
        if (req.errorCodeReturned !== 0) {
          done = true;
          call.emit("error", statusError(req.errorCodeReturned, "foobar"));
          return;
        }
        // As the Go service: PingStream does not sleep.
        call.write(reply(req.value, i++));
      });
      call.on("end", () => {
        if (done) return;
        done = true;
        call.end();
      });
    },
  };
}

/** testService is the conformance service with ts-proto's messages. */
export const testService: TestServiceServer = conformanceService((value, counter) => ({ Value: value, counter }));
