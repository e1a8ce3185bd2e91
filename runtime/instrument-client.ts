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
import { checkKeys } from "./options.js";
import { methodEntries, type ServiceMethods } from "./service-definition.js";

/** ClientConstructor is the shape of ts-proto's `XClient` constructors (grpc-js's makeGenericClientConstructor). */
export type ClientConstructor = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => Client;

/**
 * InstrumentedClientConstructor is a client constructor that takes, after
 * the arguments of the base constructor `C` (address, credentials, options,
 * then `Extra`, the ones some generators add after them), an optional
 * ClientMetrics, and makes instances of `C`.
 */
export type InstrumentedClientConstructor<C extends ClientConstructor, Extra extends unknown[] = []> = C &
  (new (
    address: string,
    credentials: ChannelCredentials,
    options?: Partial<ClientOptions>,
    ...rest: [...extra: Extra, metrics?: ClientMetrics]
  ) => InstanceType<C>);

/** InstrumentClientOptions says where an instrumented constructor finds its ClientMetrics. */
export interface InstrumentClientOptions {
  /**
   * metricsArgument is the position, from 0, of the ClientMetrics among the
   * constructor's arguments: 3, after address, credentials and options, for
   * the constructors grpc-js makes; one more for each argument a generator's
   * constructor takes after options (protobuf-ts's `binaryOptions`: 4).
   */
  readonly metricsArgument?: number;
}

/** Records maps the path of each method of one table to its record, for one ClientMetrics. */
type Records = ReadonlyMap<string, ClientMethodRecord>;

/**
 * instrumentClient returns a subclass of a grpc-js client constructor whose
 * instances record the grpc_client_* metrics of go-grpc-prometheus for the
 * methods of the service. The constructor is any grpc-js makes
 * (`loadPackageDefinition`, `makeGenericClientConstructor`, grpc-tools',
 * ts-proto's) or a class extending grpc-js's `Client` (protobuf-ts's); the
 * methods come from the table or ServiceDefinition given, else from the
 * constructor's own `service`, which grpc-js's constructors carry.
 * Generated `InstrumentedXClient` constants are made by it. The instances
 * are the base's: same methods (every name grpc-js gives them), overloads
 * and types, and the same arguments (`options` may be left out, undefined
 * or null), then the ClientMetrics.
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
export function instrumentClient<C extends ClientConstructor, Extra extends unknown[] = []>(
  base: C,
  service?: ServiceMethods,
  options: InstrumentClientOptions = {},
): InstrumentedClientConstructor<C, Extra> {
  if (typeof base !== "function") throw new TypeError("instrumentClient: base must be a client constructor");
  if (options === null || typeof options !== "object")
    throw new TypeError("instrumentClient: options must be an object");
  checkKeys(options, ["metricsArgument"], "instrumentClient");
  const at = options.metricsArgument ?? 3;
  if (!Number.isInteger(at) || at < 3) {
    throw new RangeError(
      "instrumentClient: metricsArgument must be an integer of at least 3 (after address, credentials, options)",
    );
  }
  const methods = methodEntries(service ?? serviceOf(base), "instrumentClient");
  // One map of records per ClientMetrics: constructing many clients makes no new series or tables.
  const records = new WeakMap<ClientMetrics, Records>();
  const recordsFor = (metrics: ClientMetrics): Records => {
    let found = records.get(metrics);
    if (found === undefined) {
      const byPath = new Map<string, ClientMethodRecord>();
      for (const m of methods) {
        const record = metrics.method(m);
        byPath.set(record.path, record);
      }
      found = byPath;
      records.set(metrics, found);
    }
    return found;
  };
  const Instrumented = class extends (base as unknown as new (...args: unknown[]) => Client) {
    constructor(...args: unknown[]) {
      const metrics = args[at] ?? defaultClientMetrics();
      if (!(metrics instanceof ClientMetrics)) {
        throw new TypeError(`InstrumentedClient: the ${ordinal(at + 1)} argument must be a ClientMetrics`);
      }
      const own = args.slice(0, at);
      // grpc-js copies the options with Object.assign, which takes null and undefined as no options.
      own[2] = withMetrics((own[2] as Partial<ClientOptions> | null | undefined) ?? {}, recordsFor(metrics));
      super(...own);
    }
  };
  return Instrumented as InstrumentedClientConstructor<C, Extra>;
}

/** serviceOf reads the ServiceDefinition a grpc-js client constructor carries as `service`. */
function serviceOf(base: ClientConstructor): ServiceMethods {
  const service = (base as { service?: unknown }).service;
  if (service === null || typeof service !== "object") {
    throw new TypeError(
      "instrumentClient: the client constructor has no `service` (grpc-js's own constructors have one); " +
        "pass its method table or ServiceDefinition",
    );
  }
  return service as ServiceMethods;
}

function ordinal(n: number): string {
  return ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"][n - 1] ?? `${n}th`;
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
      const base = records.get(props.methodDefinition.path);
      // Calls to any other method pass untouched, and make no series.
      if (base === undefined) return theirs ? theirs(props) : props;
      // With context labels, the call's record is the one of its values.
      const record =
        base.context === undefined
          ? base
          : (base.context.of({
              path: base.path,
              metadata: props.metadata,
              callOptions: props.callOptions,
            }) as ClientMethodRecord);
      const oneRequest = !props.methodDefinition.requestStream;
      const oneResponse = !props.methodDefinition.responseStream;
      const exemplar = record.exemplars?.({
        path: record.path,
        metadata: props.metadata,
        callOptions: props.callOptions,
      });
      const call = oneRequest && oneResponse ? new DirectCall(record, exemplar) : new ClientCall(record, exemplar);
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
