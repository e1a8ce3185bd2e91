import { InterceptingCall, type Interceptor, type Requester, type StatusObject } from "@grpc/grpc-js";
import { CallReporter } from "./call-reporter.js";
import type { ClientMethodRecord, ClientMetrics } from "./client-metrics.js";
import { codeOk, codeUnimplemented } from "./contract.js";
import { clock, reportFault } from "./fault.js";
import type { MethodTable } from "./method-table.js";

/**
 * metricsInterceptor returns the grpc-js client interceptor that records the
 * grpc_client_* metrics of the methods in a table, every series made at zero
 * now. Calls to any other method pass through untouched and make no series.
 */
export function metricsInterceptor(metrics: ClientMetrics, table: MethodTable): Interceptor {
  const byPath = new Map<string, ClientMethodRecord>();
  for (const key of Object.keys(table)) {
    const m = table[key]!;
    byPath.set(`/${m.grpcService}/${m.grpcMethod}`, metrics.method(m));
  }
  return (options, nextCall) => {
    const record = byPath.get(options.method_definition.path);
    const call = nextCall(options);
    return record === undefined ? new InterceptingCall(call) : new InterceptingCall(call, requester(record));
  };
}

/**
 * requester follows one call. It counts, as go-grpc-prometheus means them:
 * started now; sent per message the caller sends; received per response
 * message (for unary and client-streaming calls, the one response, when the
 * call succeeds); handled once, with the status the caller sees (grpc-js
 * answers a unary or client-streaming call that ends OK without a response
 * with Unimplemented).
 *
 * grpc-js has no blocking receive to time, so the receive histogram times the
 * waits a caller reading as fast as messages come would have spent in Go's
 * RecvMsg: on server-streaming and bidi calls, from the start (or the previous
 * message) to each message, plus one wait from the last message to the status,
 * which ends the stream as Go's final RecvMsg does; on client-streaming calls
 * one wait, from the half-close (CloseAndRecv) to the response, or to the
 * status when none came. The send histogram times each message's way through
 * grpc-js's send path: serialization and handing it to HTTP/2.
 */
function requester(record: ClientMethodRecord): Requester {
  const r = new CallReporter(record);
  const { recv, send } = record;
  const oneResponse = record.labels.grpc_type === "unary" || record.labels.grpc_type === "client_stream";
  let response = false;
  let recvFrom = recv === undefined ? 0 : clock();
  const observeRecv = () => {
    if (recv === undefined) return;
    try {
      const now = clock();
      recv.observe((now - recvFrom) / 1000);
      recvFrom = now;
    } catch (err) {
      reportFault(err);
    }
  };
  return {
    start(metadata, _listener, next) {
      next(metadata, {
        onReceiveMessage(message: unknown, nextMessage) {
          // grpc-js hands a failed unary call's interceptors a null message: not a message.
          if (message !== null && message !== undefined && !r.finished) {
            if (oneResponse) {
              if (!response) observeRecv();
              response = true;
            } else {
              r.receivedMessage();
              observeRecv();
            }
          }
          nextMessage(message);
        },
        onReceiveStatus(status: StatusObject, nextStatus) {
          if (!r.finished) {
            if (oneResponse && response && status.code === codeOk) r.receivedMessage();
            if (!(oneResponse && response)) observeRecv();
            // grpc-js turns a one-response call's OK without a response into Unimplemented for the caller.
            r.handled(oneResponse && !response && status.code === codeOk ? codeUnimplemented : status.code);
          }
          nextStatus(status);
        },
      });
    },
    sendMessage(message, next) {
      if (r.finished) {
        next(message);
        return;
      }
      r.sentMessage();
      if (send === undefined) {
        next(message);
        return;
      }
      const from = clock();
      next(message);
      try {
        send.observe((clock() - from) / 1000);
      } catch (err) {
        reportFault(err);
      }
    },
    halfClose(next) {
      if (oneResponse && recv !== undefined) recvFrom = clock();
      next();
    },
  };
}
