import type {
  CallCredentials,
  ChannelInterface,
  connectivityState,
  Deadline,
  InterceptingListener,
} from "@grpc/grpc-js";
import { ClientCall, type MessageContext } from "./client-call.js";

/** GrpcCall is the call a grpc-js channel makes: what a Channel's createCall returns. */
type GrpcCall = ReturnType<ChannelInterface["createCall"]>;
type ParentCall = Parameters<ChannelInterface["createCall"]>[3];
// getAuthContext came with grpc-js 1.13: typed so that the declarations compile with the types of
// every grpc-js the peer range admits, those without it too.
type AuthContextOf<C> = C extends { getAuthContext(): infer A } ? A : null;

/**
 * DirectCall records a unary call made without interceptors, the most
 * frequent kind, without sending it through grpc-js's interceptor chain
 * (which costs more than the recording itself; see the README's Performance
 * section). It stands in, for this one call, for the call's channel, and for
 * the call that channel makes: grpc-js asks a call's channel (CallProperties'
 * `channel`) for nothing but createCall, and the Channel interface, with
 * the methods of the call it returns, is public (clients take one as
 * `channelOverride`). So it sees, through public interfaces only:
 *
 * - createCall: the call is made only if the real channel's createCall
 *   returns; it throws on a bad deadline or `parent`, or a closed channel;
 * - start: grpc-js starts the call;
 * - sendMessageWithContext: the serialized request, whose context gets a
 *   callback that grpc-js calls once it has accepted it for the wire.
 *
 * The response and the status are recorded from the caller's callback
 * (ClientCall.reportTo). Every other method passes straight through.
 */
export class DirectCall extends ClientCall implements ChannelInterface, GrpcCall {
  private channel: ChannelInterface | undefined;
  private call: GrpcCall | undefined;

  /** via returns this call, standing for channel, to put in the call's properties in channel's place. */
  via(channel: ChannelInterface): ChannelInterface {
    this.channel = channel;
    return this;
  }

  createCall(
    method: string,
    deadline: Deadline,
    host: string | null | undefined,
    parentCall: ParentCall,
    propagateFlags: number | null | undefined,
  ): GrpcCall {
    this.call = this.channel!.createCall(method, deadline, host, parentCall, propagateFlags);
    return this;
  }

  start(metadata: Parameters<GrpcCall["start"]>[0], listener: InterceptingListener): void {
    this.enter();
    this.call!.start(metadata, listener);
    this.begin();
  }

  sendMessageWithContext(context: MessageContext, message: Buffer): void {
    this.call!.sendMessageWithContext(this.accepting(context), message);
  }

  // The rest of the call, and of the channel, as they are.

  startRead(): void {
    this.call!.startRead();
  }

  halfClose(): void {
    this.call!.halfClose();
  }

  cancelWithStatus(status: Parameters<GrpcCall["cancelWithStatus"]>[0], details: string): void {
    this.call!.cancelWithStatus(status, details);
  }

  getPeer(): string {
    return this.call!.getPeer();
  }

  getCallNumber(): number {
    return this.call!.getCallNumber();
  }

  setCredentials(credentials: CallCredentials): void {
    this.call!.setCredentials(credentials);
  }

  getAuthContext(): AuthContextOf<GrpcCall> {
    // grpc-js added it in 1.13 and calls it only from where it exists; earlier calls lack it.
    const call = this.call as unknown as { getAuthContext?(): AuthContextOf<GrpcCall> };
    return call.getAuthContext?.() ?? (null as AuthContextOf<GrpcCall>);
  }

  close(): void {
    this.channel!.close();
  }

  getTarget(): string {
    return this.channel!.getTarget();
  }

  getConnectivityState(tryToConnect: boolean): connectivityState {
    return this.channel!.getConnectivityState(tryToConnect);
  }

  watchConnectivityState(
    currentState: connectivityState,
    deadline: Date | number,
    callback: (error?: Error) => void,
  ): void {
    this.channel!.watchConnectivityState(currentState, deadline, callback);
  }

  getChannelzRef(): ReturnType<ChannelInterface["getChannelzRef"]> {
    return this.channel!.getChannelzRef();
  }
}
