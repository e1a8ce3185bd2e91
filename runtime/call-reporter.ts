import { clock } from "./clock.js";
import type { Labels } from "./family.js";
import { reportFault } from "./fault.js";
import type { MethodRecord } from "./method-record.js";

/**
 * CallReporter is the state of one call: it counts the call as started when
 * made, messages as they pass, and the call as handled exactly once, however
 * many of the paths that can end a call fire. None of its methods throws: a
 * fault while recording is reported and the call goes on.
 */
export class CallReporter {
  private startMs = 0;
  /** finished is true once handled() has counted the call. */
  finished = false;

  /**
   * @param exemplar the labels of the call's exemplar, when exemplars are on;
   * settable until the call is handled (a server interceptor learns the
   * request metadata after the call starts).
   */
  constructor(
    private readonly record: MethodRecord,
    public exemplar: Labels | undefined = undefined,
  ) {
    try {
      record.started++;
      if (record.latency !== undefined) this.startMs = clock();
    } catch (err) {
      reportFault(err);
    }
  }

  /** receivedMessage counts one message received. */
  receivedMessage(): void {
    try {
      this.record.received++;
    } catch (err) {
      reportFault(err);
    }
  }

  /** sentMessage counts one message sent. */
  sentMessage(): void {
    try {
      this.record.sent++;
    } catch (err) {
      reportFault(err);
    }
  }

  /** handled counts the call as ended with code, the first time only; it returns whether this was the first. */
  handled(code: number): boolean {
    if (this.finished) return false;
    this.finished = true;
    try {
      this.record.finish(code, this.startMs, this.exemplar);
    } catch (err) {
      reportFault(err);
    }
    return true;
  }
}
