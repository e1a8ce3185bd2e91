import type {
  CallProperties,
  ChannelCredentials,
  Client,
  ClientOptions,
  Interceptor,
  InterceptorProvider,
} from "@grpc/grpc-js";
import { ClientCall } from "./client-call.js";
import { DirectCall } from "./client-direct.js";
import { metricsInterceptor } from "./client-interceptor.js";
import { type ClientMethodRecord, ClientMetrics, defaultClientMetrics } from "./client-metrics.js";
import type { MethodTable } from "./method-table.js";

/** ClientConstructor is the shape of ts-proto's `XClient` constructors (grpc-js's makeGenericClientConstructor). */
export type ClientConstructor = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => Client;

/**
 * InstrumentedClientConstructor is a client constructor that takes, after
 * the arguments of ts-proto's `XClient`, an optional ClientMetrics, and makes
 * `XClient`s.
 */
export type InstrumentedClientConstructor<C extends ClientConstructor> = C &
  (new (
    address: string,
    credentials: ChannelCredentials,
    options?: Partial<ClientOptions>,
    metrics?: ClientMetrics,
  ) => InstanceType<C>);

/** Records maps the path of each method of one table to its record, for one ClientMetrics. */
type Records = ReadonlyMap<string, ClientMethodRecord>;

/**
 * instrumentClient returns a subclass of a ts-proto client constructor whose
 * instances record the grpc_client_* metrics of go-grpc-prometheus for the
 * methods of the table. Generated `InstrumentedXClient` constants are made by
 * it. The instances are the base's: same methods, overloads and types, and
 * the same arguments (`options` may be left out, undefined or null).
 *
 * Everything goes through the client's callInvocationTransformer, which
 * grpc-js calls as each call is made. Before the caller's own transformer
 * runs, if there is one, the caller's callback (unary and client-streaming
 * calls) is wrapped to record what it receives: a transformer that makes a
 * failure into a value shows the caller a success, and a success is what is
 * counted. After it, when the call is known as grpc-js will make it, the
 * way to record the rest is chosen:
 *
 * - a unary call on a client and call without interceptors, the most
 *   frequent kind, takes grpc-js's path unchanged: its DirectCall stands in
 *   for the channel, and sees the call made, started and its request sent
 *   (an interceptor would send every call through grpc-js's interceptor
 *   chain, which costs more than the recording itself; see the README's
 *   Performance section);
 * - streaming calls, and unary calls where interceptors are in play anyway,
 *   are recorded by an interceptor, which sees each message. It is put in
 *   front of the call's interceptors (or interceptor_providers); a call that
 *   brings none gets it in front of the client's, since grpc-js lets a
 *   call's interceptors replace the client's. So it goes first, outermost,
 *   and sees what the caller sees; the caller's own interceptors run as they
 *   would without it.
 *
 * Either way nothing is counted until grpc-js has made and started the call
 * (see ClientCall): a call it refuses, by throwing, is not counted.
 */
export function instrumentClient<C extends ClientConstructor>(
  base: C,
  table: MethodTable,
): InstrumentedClientConstructor<C> {
  if (typeof base !== "function") throw new TypeError("instrumentClient: base must be a client constructor");
  // One map of records per ClientMetrics: constructing many clients makes no new series or tables.
  const records = new WeakMap<ClientMetrics, Records>();
  const recordsFor = (metrics: ClientMetrics): Records => {
    let found = records.get(metrics);
    if (found === undefined) {
      const byPath = new Map<string, ClientMethodRecord>();
      for (const m of Object.values(table)) {
        const record = metrics.method(m);
        byPath.set(record.path, record);
      }
      found = byPath;
      records.set(metrics, found);
    }
    return found;
  };
  const Instrumented = class extends (base as ClientConstructor) {
    constructor(
      address: string,
      credentials: ChannelCredentials,
      options?: Partial<ClientOptions> | null,
      metrics: ClientMetrics = defaultClientMetrics(),
    ) {
      if (!(metrics instanceof ClientMetrics)) {
        throw new TypeError("InstrumentedClient: the fourth argument must be a ClientMetrics");
      }
      // grpc-js copies the options with Object.assign, which takes null and undefined as no options.
      super(address, credentials, withMetrics(options ?? {}, recordsFor(metrics)));
    }
  };
  return Instrumented as InstrumentedClientConstructor<C>;
}

/** Props are the properties of one call as grpc-js makes it, which a callInvocationTransformer may change. */
type Props = CallProperties<unknown, unknown>;

/** withMetrics returns client options whose callInvocationTransformer records each call; the caller's object is not changed. */
function withMetrics(options: Partial<ClientOptions>, records: Records): Partial<ClientOptions> {
  const theirs = options.callInvocationTransformer;
  const clientInterceptors = options.interceptors?.length ? options.interceptors : undefined;
  const clientProviders = options.interceptor_providers?.length ? options.interceptor_providers : undefined;
  const clientHasInterceptors = clientInterceptors !== undefined || clientProviders !== undefined;
  return {
    ...options,
    callInvocationTransformer(props) {
      const record = records.get(props.methodDefinition.path);
      // Calls to any other method pass untouched, and make no series.
      if (record === undefined) return theirs ? theirs(props) : props;
      const oneRequest = !props.methodDefinition.requestStream;
      const oneResponse = !props.methodDefinition.responseStream;
      const call = oneRequest && oneResponse ? new DirectCall(record) : new ClientCall(record);
      const callback = props.callback;
      if (callback !== undefined) props.callback = call.reportTo(callback);
      const p = theirs ? theirs(props) : props;
      const o = p.callOptions;
      const interceptors = clientHasInterceptors || o.interceptors?.length || o.interceptor_providers?.length;
      if (!interceptors && call instanceof DirectCall) {
        p.channel = call.via(p.channel);
        return p;
      }
      const ours = metricsInterceptor(call, callback !== undefined);
      return withInterceptor(p, ours, clientInterceptors, clientProviders);
    },
  };
}

/** withInterceptor returns a call's properties with the metrics interceptor first among its interceptors. */
function withInterceptor(
  p: Props,
  interceptor: Interceptor,
  clientInterceptors: Interceptor[] | undefined,
  clientProviders: InterceptorProvider[] | undefined,
): Props {
  const o = p.callOptions;
  // grpc-js refuses interceptors beside interceptor_providers: join whichever the call, or else the client, uses.
  let callOptions: Props["callOptions"];
  if (o.interceptors?.length) callOptions = { ...o, interceptors: [interceptor, ...o.interceptors] };
  else if (o.interceptor_providers?.length) {
    callOptions = { ...o, interceptor_providers: [() => interceptor, ...o.interceptor_providers] };
  } else if (clientProviders) callOptions = { ...o, interceptor_providers: [() => interceptor, ...clientProviders] };
  else callOptions = { ...o, interceptors: [interceptor, ...(clientInterceptors ?? [])] };
  return { ...p, callOptions };
}
