import { InterceptingCall, type Interceptor, type Requester, type StatusObject } from "@grpc/grpc-js";
import type { ClientCall, MessageContext } from "./client-call.js";
import { clock } from "./clock.js";
import { reportFault } from "./fault.js";

/**
 * metricsInterceptor returns the grpc-js client interceptor that records
 * one call, made by the caller on a method of the table, that goes through
 * grpc-js's interceptor chain: every streaming call, and unary calls where
 * interceptors are in play anyway. It is put first, outermost, so it sees
 * what the caller sees. Started is counted as the call starts; sent per
 * message grpc-js accepts for the wire. A call with a callback (unary,
 * client-streaming) has its response and status recorded from that callback
 * (ClientCall.reportTo), what the caller's own callback gets; a streaming
 * response has each message counted as it is handed to the caller, and the
 * status as the caller gets it.
 *
 * grpc-js has no blocking receive to time, so the receive histogram times the
 * waits a caller reading as fast as messages come would have spent in Go's
 * RecvMsg: on server-streaming and bidi calls, from the start (or the previous
 * message) to each message, plus one wait from the last message to the status,
 * which ends the stream as Go's final RecvMsg does; on client-streaming calls
 * one wait, from the half-close (CloseAndRecv) to the response, or to the
 * status when none came. The send histogram times each message's way through
 * grpc-js's send path: serialization and handing it on to be written.
 */
export function metricsInterceptor(call: ClientCall, withCallback: boolean): Interceptor {
  // grpc-js throws out of nextCall when it refuses the call: nothing is made, and nothing counted.
  return (options, nextCall) => new MetricsCall(nextCall(options), call, withCallback);
}

/**
 * MetricsCall is grpc-js's public InterceptingCall, with its
 * sendMessageWithContext extended: the Requester interface hands an
 * interceptor each message but not its context, whose callback is how grpc-js
 * tells that it has accepted the message for the wire.
 */
class MetricsCall extends InterceptingCall {
  private readonly recording: ClientCall;
  private readonly send: ClientCall["record"]["send"];

  constructor(next: ConstructorParameters<typeof InterceptingCall>[0], call: ClientCall, withCallback: boolean) {
    super(next, requester(call, withCallback));
    this.recording = call;
    this.send = call.record.send;
  }

  override sendMessageWithContext(context: MessageContext, message: unknown): void {
    const call = this.recording;
    // A write after the end passes as it would without us: it went nowhere, and is not timed.
    if (call.ended) {
      super.sendMessageWithContext(context, message);
      return;
    }
    const send = this.send;
    const from = send === undefined ? 0 : clock();
    super.sendMessageWithContext(call.accepting(context), message);
    if (send === undefined) return;
    try {
      send.observe((clock() - from) / 1000);
    } catch (err) {
      reportFault(err);
    }
  }
}

/** requester follows the start, the half-close and what comes back of one call. */
function requester(call: ClientCall, withCallback: boolean): Requester {
  const { recv } = call.record;
  let response = false;
  let recvFrom = 0;
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
      if (recv !== undefined) recvFrom = clock();
      call.enter();
      next(metadata, {
        onReceiveMessage(message: unknown, nextMessage) {
          // grpc-js hands a failed unary call's interceptors a null message: not a message.
          if (message !== null && message !== undefined && !call.ended) {
            if (!withCallback) {
              call.received();
              observeRecv();
            } else if (!response) {
              response = true;
              observeRecv();
            }
          }
          nextMessage(message);
        },
        onReceiveStatus(status: StatusObject, nextStatus) {
          if (!call.ended && !response) observeRecv();
          if (!withCallback) call.end(status.code);
          nextStatus(status);
        },
      });
      call.begin();
    },
    halfClose(next) {
      if (withCallback && recv !== undefined) recvFrom = clock();
      next();
    },
  };
}
