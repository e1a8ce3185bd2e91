import type { CallProperties, ChannelCredentials, Client, ClientOptions, Interceptor } from "@grpc/grpc-js";
import { metricsInterceptor } from "./client-interceptor.js";
import { ClientMetrics, defaultClientMetrics } from "./client-metrics.js";
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

/**
 * instrumentClient returns a subclass of a ts-proto client constructor whose
 * instances record the grpc_client_* metrics of go-grpc-prometheus for the
 * methods of the table. Generated `InstrumentedXClient` constants are made by
 * it. The instances are the base's: same methods, overloads and types.
 *
 * Its interceptor goes first, outermost, so that it sees what the caller
 * sees; the caller's own interceptors or interceptor_providers follow. grpc-js
 * lets interceptors given in a call's options replace the client's, so a
 * call that passes its own gets the metrics interceptor put in front of them.
 */
export function instrumentClient<C extends ClientConstructor>(
  base: C,
  table: MethodTable,
): InstrumentedClientConstructor<C> {
  if (typeof base !== "function") throw new TypeError("instrumentClient: base must be a client constructor");
  // One interceptor per ClientMetrics: constructing many clients makes no new series or tables.
  const interceptors = new WeakMap<ClientMetrics, Interceptor>();
  const interceptorFor = (metrics: ClientMetrics) => {
    let interceptor = interceptors.get(metrics);
    if (interceptor === undefined) {
      interceptor = metricsInterceptor(metrics, table);
      interceptors.set(metrics, interceptor);
    }
    return interceptor;
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
      super(address, credentials, withMetrics(options, interceptorFor(metrics)));
    }
  };
  return Instrumented as InstrumentedClientConstructor<C>;
}

/** withMetrics returns client options with the metrics interceptor added; the caller's object is not changed. */
function withMetrics(options: Partial<ClientOptions>, interceptor: Interceptor): Partial<ClientOptions> {
  const own: Partial<ClientOptions> = { ...options };
  // grpc-js refuses interceptors beside interceptor_providers: join whichever the caller uses.
  if (options.interceptor_providers?.length) {
    own.interceptor_providers = [() => interceptor, ...options.interceptor_providers];
  } else {
    own.interceptors = [interceptor, ...(options.interceptors ?? [])];
  }
  const theirs = options.callInvocationTransformer;
  own.callInvocationTransformer = (props) => withCallMetrics(theirs ? theirs(props) : props, interceptor);
  return own;
}

/** withCallMetrics puts the metrics interceptor in front of interceptors a call brings, which replace the client's. */
function withCallMetrics(
  props: CallProperties<unknown, unknown>,
  interceptor: Interceptor,
): CallProperties<unknown, unknown> {
  const o = props.callOptions;
  if (o.interceptors?.length) {
    return { ...props, callOptions: { ...o, interceptors: [interceptor, ...o.interceptors] } };
  }
  if (o.interceptor_providers?.length) {
    return { ...props, callOptions: { ...o, interceptor_providers: [() => interceptor, ...o.interceptor_providers] } };
  }
  return props;
}
