import { type ClientReadableStream, Metadata, type ServiceError, type StatusObject } from "@grpc/grpc-js";
import type { PingRequest } from "../../testdata/gen/test.js";
import { deadline } from "./server.js";

/** Outcome is everything a client saw of one call. */
export interface Outcome<T> {
  readonly messages: T[];
  readonly status: StatusObject;
  readonly headers: Record<string, unknown> | undefined;
}

type UnaryFn<T> = (
  md: Metadata,
  options: { deadline: Date },
  cb: (err: ServiceError | null, res?: T) => void,
) => {
  on(event: "status", l: (s: StatusObject) => void): unknown;
  on(event: "metadata", l: (m: Metadata) => void): unknown;
};

/** unary makes a unary or client-streaming call and resolves with what the client saw, once its status arrived. */
export function unary<T>(fn: UnaryFn<T>, deadlineMs = 5_000): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    let headers: Record<string, unknown> | undefined;
    let answered = false;
    let status: StatusObject | undefined;
    const settle = () => {
      if (answered && status) resolve({ messages, status, headers });
    };
    const call = fn(new Metadata(), { deadline: deadline(deadlineMs) }, (err, res) => {
      if (!err && res !== undefined) messages.push(res);
      answered = true;
      settle();
    });
    call.on("metadata", (m) => (headers = m.getMap()));
    call.on("status", (s) => {
      status = s;
      settle();
    });
  });
}

/** drain reads a server stream to its end and resolves with what the client saw. */
export function drain<T>(call: ClientReadableStream<T>): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    let headers: Record<string, unknown> | undefined;
    call.on("metadata", (m: Metadata) => (headers = m.getMap()));
    call.on("data", (m: T) => messages.push(m));
    call.on("error", () => {});
    call.on("status", (status: StatusObject) => resolve({ messages, status, headers }));
  });
}

/**
 * summary reduces an outcome to comparable plain data. The HTTP date header
 * is dropped, as it changes by the second; in a trailers-only response it
 * comes with the trailers.
 */
export function summary<T>(o: Outcome<T>) {
  const { date: _, ...headers } = o.headers ?? {};
  const { date: __, ...trailers } = o.status.metadata.getMap();
  return {
    messages: o.messages,
    code: o.status.code,
    details: o.status.details,
    trailers,
    headers: o.headers && headers,
  };
}

/** pingRequest is a request of the conformance service: value "something", no sleep, no error, but for what over sets. */
export function pingRequest(over: Partial<PingRequest> = {}): PingRequest {
  return { value: "something", sleepTimeMs: 0, errorCodeReturned: 0, ...over };
}
