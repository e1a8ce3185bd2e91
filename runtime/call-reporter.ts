import type { MethodRecord } from "./method-record.js";

/**
 * CallReporter is the state of one call: it counts the call as started when
 * made, messages as they pass, and the call as handled exactly once, however
 * many of the paths that can end a call fire.
 */
export class CallReporter {
  private readonly startMs: number;
  /** finished is true once handled() has counted the call. */
  finished = false;

  constructor(private readonly record: MethodRecord) {
    record.started++;
    this.startMs = record.latency === undefined ? 0 : performance.now();
  }

  /** receivedMessage counts one message received. */
  receivedMessage(): void {
    this.record.received++;
  }

  /** sentMessage counts one message sent. */
  sentMessage(): void {
    this.record.sent++;
  }

  /** handled counts the call as ended with code, the first time only; it returns whether it did. */
  handled(code: number): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.record.finish(code, this.startMs);
    return true;
  }
}
