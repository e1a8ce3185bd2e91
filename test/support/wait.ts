/**
 * Waiting, for tests: sleep for a time, or poll a condition with a bound, so
 * a test waits on the event it needs rather than on a guess at how long it
 * takes, and a hang becomes a failure that says what never happened.
 */

/** sleep resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Condition is what waitFor polls: true once what it waits for has happened. */
export type Condition = () => boolean | Promise<boolean>;

/** WaitOptions bound a waitFor. */
export interface WaitOptions {
  /** timeoutMs is how long waitFor polls; the evaluation that follows the pause crossing it is the last. */
  readonly timeoutMs: number;
  /** intervalMs is the pause between one evaluation of the condition and the next. */
  readonly intervalMs: number;
}

/**
 * Throwing: on timeout, waitFor throws an Error whose message is what (a
 * function is called then, so the message can tell the state at the end).
 */
export interface Throwing extends WaitOptions {
  readonly what: string | (() => string);
  readonly orFalse?: false;
}

/** OrFalse: on timeout, waitFor resolves false, for a caller that asserts on the result with its own message. */
export interface OrFalse extends WaitOptions {
  readonly orFalse: true;
  readonly what?: never;
}

/**
 * waitFor evaluates cond at once, then again every intervalMs, until it
 * holds: it then resolves (true, with orFalse). When cond has not held once
 * timeoutMs has passed, it throws an Error naming what or, with orFalse,
 * resolves false. An error cond throws ends the wait with that error.
 */
export function waitFor(cond: Condition, options: Throwing): Promise<void>;
export function waitFor(cond: Condition, options: OrFalse): Promise<boolean>;
export async function waitFor(cond: Condition, options: Throwing | OrFalse): Promise<unknown> {
  const until = Date.now() + options.timeoutMs;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() > until) break;
    await sleep(options.intervalMs);
  }
  if (options.orFalse) return false;
  throw new Error(typeof options.what === "function" ? options.what() : options.what);
}
