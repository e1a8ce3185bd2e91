import type { InterceptingCall, requestCallback } from "@grpc/grpc-js";
import { CallReporter } from "./call-reporter.js";
import type { ClientMethodRecord } from "./client-metrics.js";
import { codeOk } from "./contract.js";
import type { Labels } from "./family.js";
import { errorCode } from "./status.js";

/** MessageContext is what grpc-js passes down with each message it sends: flags, and a callback for when it is taken. */
export type MessageContext = Parameters<InterceptingCall["sendMessageWithContext"]>[0];

// The life of a call, as this side can know it.
const idle = 0; // made by the caller; grpc-js has not started it (it may yet refuse, by throwing)
const starting = 1; // grpc-js is starting it
const started = 2; // counted as started
const over = 3; // ended: counted as handled if it started, else counted not at all

/**
 * ClientCall is one client call as the caller makes and sees it. It counts
 * nothing until grpc-js has really made the call: grpc-js checks a call's
 * options (a deadline that is no number or Date, a `parent` that is no
 * server call, a closed channel) only as it creates the call on its channel,
 * after every callInvocationTransformer has run, and it throws then; counters
 * cannot be taken back, so counting on the way in would count calls that
 * never were, and never end. So the call is counted as started when grpc-js
 * has started it and its start returned, or at the first thing that happens
 * to it, should grpc-js (or an interceptor of the caller's) report something
 * during the start itself; a call whose start threw is not counted.
 *
 * Then, as go-grpc-prometheus counts them: sent, per message grpc-js has
 * serialized and accepted for the wire (its write callback; a request that
 * fails to serialize, or is over the channel's grpc.max_send_message_length,
 * never gets one); received, per message handed to the caller; handled,
 * once, with the code the caller sees. Nothing is received after the end.
 */
export class ClientCall {
  private state = idle;
  private reporter: CallReporter | undefined;

  /**
   * @param exemplar the labels of the call's exemplar, taken as the caller
   * makes the call (its active span), when exemplars are on.
   */
  constructor(
    readonly record: ClientMethodRecord,
    private readonly exemplar: Labels | undefined = undefined,
  ) {}

  /** ended is true once the call has ended, as the caller sees it. */
  get ended(): boolean {
    return this.state === over;
  }

  /** enter marks that grpc-js has made the call and is starting it. */
  enter(): void {
    if (this.state === idle) this.state = starting;
  }

  /** begin counts the call as started, if grpc-js is starting it and it was not counted yet. */
  begin(): void {
    if (this.state !== starting) return;
    this.state = started;
    this.reporter = new CallReporter(this.record, this.exemplar);
  }

  /**
   * sent counts one message grpc-js accepted for the wire. It counts after
   * the end too: a message handed over before the end may be taken after it
   * (a unary call cancelled as soon as it is made still goes out).
   */
  sent(): void {
    this.begin();
    this.reporter?.sentMessage();
  }

  /** received counts one message handed to the caller. */
  received(): void {
    this.begin();
    if (this.state === started) this.reporter!.receivedMessage();
  }

  /** end counts the call as handled with code, the first time only, if it was counted as started. */
  end(code: number): void {
    this.begin();
    if (this.state === started) this.reporter!.handled(code);
    this.state = over;
  }

  /**
   * reportTo returns a callback that records what callback, the caller's
   * own, receives (the response, and the code), then calls it. It is put in
   * place before the caller's own callInvocationTransformer runs, so that
   * what a transformer makes of the outcome is what is counted.
   */
  reportTo<T>(callback: requestCallback<T>): requestCallback<T> {
    return (err, value) => {
      if (err === null || err === undefined) {
        this.received();
        this.end(codeOk);
      } else {
        this.end(errorCode(err));
      }
      callback(err, value);
    };
  }

  /**
   * accepting returns context with a callback that counts its message as
   * sent when grpc-js calls it, then calls context's own, if any. grpc-js
   * calls it once the message is serialized, has passed its size check and
   * is taken for the wire (its retry buffer, or HTTP/2): the moment Go's
   * SendMsg returns nil.
   */
  accepting(context: MessageContext): MessageContext {
    const theirs = context.callback;
    return {
      ...context,
      callback: (error) => {
        this.sent();
        if (theirs !== undefined) theirs(error);
      },
    };
  }
}
