import {
  type CallProperties,
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  connectivityState,
  type Interceptor,
} from "@grpc/grpc-js";
import { CallReporter } from "./call-reporter.js";
import { metricsInterceptor } from "./client-interceptor.js";
import { type ClientMethodRecord, ClientMetrics, defaultClientMetrics } from "./client-metrics.js";
import { codeOk } from "./contract.js";
import { reportFault } from "./fault.js";
import type { MethodTable } from "./method-table.js";
import { errorCode } from "./status.js";

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

/** Instruments is what one ClientMetrics needs for the clients of one table. */
interface Instruments {
  /** interceptor records streaming calls, and unary calls made with interceptors. */
  readonly interceptor: Interceptor;
  /** unary maps the path of each unary method to its record. */
  readonly unary: ReadonlyMap<string, ClientMethodRecord>;
}

/**
 * instrumentClient returns a subclass of a ts-proto client constructor whose
 * instances record the grpc_client_* metrics of go-grpc-prometheus for the
 * methods of the table. Generated `InstrumentedXClient` constants are made by
 * it. The instances are the base's: same methods, overloads and types.
 *
 * Everything goes through the client's callInvocationTransformer, which
 * grpc-js calls as each call is made (after the caller's own transformer, if
 * any). A unary call on a client and call without interceptors, the most
 * frequent kind, is recorded by wrapping the callback grpc-js will call with
 * its outcome: it sees what the caller sees, and the call takes grpc-js's
 * path unchanged. (An interceptor would send every call through grpc-js's
 * interceptor chain, which costs more than the recording itself; see the
 * README's Performance section.)
 *
 * Streaming calls, and unary calls where interceptors are in play anyway, are
 * recorded by an interceptor, which sees each message. It is put in front of
 * the call's interceptors (or interceptor_providers); a call that brings none
 * gets it in front of the client's, since grpc-js lets a call's interceptors
 * replace the client's. So it goes first, outermost, and sees what the caller
 * sees; the caller's own interceptors run as they would without it.
 */
export function instrumentClient<C extends ClientConstructor>(
  base: C,
  table: MethodTable,
): InstrumentedClientConstructor<C> {
  if (typeof base !== "function") throw new TypeError("instrumentClient: base must be a client constructor");
  // One set of instruments per ClientMetrics: constructing many clients makes no new series or tables.
  const instruments = new WeakMap<ClientMetrics, Instruments>();
  const instrumentsFor = (metrics: ClientMetrics): Instruments => {
    let found = instruments.get(metrics);
    if (found === undefined) {
      const unary = new Map<string, ClientMethodRecord>();
      for (const m of Object.values(table)) {
        if (m.grpcType === "unary") unary.set(`/${m.grpcService}/${m.grpcMethod}`, metrics.method(m));
      }
      found = { interceptor: metricsInterceptor(metrics, table), unary };
      instruments.set(metrics, found);
    }
    return found;
  };
  const Instrumented = class extends (base as ClientConstructor) {
    constructor(
      address: string,
      credentials: ChannelCredentials,
      options: Partial<ClientOptions> = {},
      metrics: ClientMetrics = defaultClientMetrics(),
    ) {
      if (!(metrics instanceof ClientMetrics)) {
        throw new TypeError("InstrumentedClient: the fourth argument must be a ClientMetrics");
      }
      super(address, credentials, withMetrics(options, instrumentsFor(metrics)));
    }
  };
  return Instrumented as InstrumentedClientConstructor<C>;
}

/** Props are the properties of one call as grpc-js makes it, which a callInvocationTransformer may change. */
type Props = CallProperties<unknown, unknown>;

/** withMetrics returns client options whose callInvocationTransformer records each call; the caller's object is not changed. */
function withMetrics(options: Partial<ClientOptions>, { interceptor, unary }: Instruments): Partial<ClientOptions> {
  const theirs = options.callInvocationTransformer;
  // Made once per client: a call that brings no interceptors gets the client's, after ours.
  const clientInterceptors = [interceptor, ...(options.interceptors ?? [])];
  const clientProviders = options.interceptor_providers?.length
    ? [() => interceptor, ...options.interceptor_providers]
    : undefined;
  const clientHasInterceptors = clientInterceptors.length > 1 || clientProviders !== undefined;
  return {
    ...options,
    callInvocationTransformer(props) {
      const p = theirs ? theirs(props) : props;
      const d = p.methodDefinition;
      const o = p.callOptions;
      const interceptors = clientHasInterceptors || o.interceptors?.length || o.interceptor_providers?.length;
      if (!d.requestStream && !d.responseStream && !interceptors) {
        const record = unary.get(d.path);
        if (record !== undefined) recordUnary(p, record);
        return p;
      }
      return withInterceptor(p, interceptor, clientInterceptors, clientProviders);
    },
  };
}

/**
 * recordUnary records a unary call made without interceptors. It counts, as
 * go-grpc-prometheus does: started and sent (the request) now; received (the
 * response) when the call succeeds; handled once, with the status the
 * caller's callback gets. A call on a closed client, which grpc-js refuses
 * to make (it throws), is not counted.
 *
 * It replaces the callback of p, which grpc-js made for this call alone.
 */
function recordUnary(p: Props, record: ClientMethodRecord): void {
  const callback = p.callback;
  if (callback === undefined) return;
  try {
    if (p.channel.getConnectivityState(false) === connectivityState.SHUTDOWN) return;
  } catch (err) {
    reportFault(err);
    return;
  }
  const r = new CallReporter(record);
  r.sentMessage();
  p.callback = (err, value) => {
    if (err === null || err === undefined) {
      if (!r.finished) r.receivedMessage();
      r.handled(codeOk);
    } else {
      r.handled(errorCode(err));
    }
    callback(err, value);
  };
}

/** withInterceptor returns a call's properties with the metrics interceptor first among its interceptors. */
function withInterceptor(
  p: Props,
  interceptor: Interceptor,
  clientInterceptors: Interceptor[],
  clientProviders: ClientOptions["interceptor_providers"] | undefined,
): Props {
  const o = p.callOptions;
  // grpc-js refuses interceptors beside interceptor_providers: join whichever the call, or else the client, uses.
  let callOptions: Props["callOptions"];
  if (o.interceptors?.length) callOptions = { ...o, interceptors: [interceptor, ...o.interceptors] };
  else if (o.interceptor_providers?.length) {
    callOptions = { ...o, interceptor_providers: [() => interceptor, ...o.interceptor_providers] };
  } else if (clientProviders) callOptions = { ...o, interceptor_providers: clientProviders };
  else callOptions = { ...o, interceptors: clientInterceptors };
  return { ...p, callOptions };
}
