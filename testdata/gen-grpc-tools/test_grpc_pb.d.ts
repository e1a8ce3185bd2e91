// package: mwitkow.testproto
// file: test.proto

/* tslint:disable */
/* eslint-disable */

import * as grpc from "@grpc/grpc-js";
import * as test_pb from "./test_pb";

interface ITestServiceService extends grpc.ServiceDefinition<grpc.UntypedServiceImplementation> {
    pingEmpty: ITestServiceService_IPingEmpty;
    ping: ITestServiceService_IPing;
    pingError: ITestServiceService_IPingError;
    pingList: ITestServiceService_IPingList;
    pingClientStream: ITestServiceService_IPingClientStream;
    pingStream: ITestServiceService_IPingStream;
}

interface ITestServiceService_IPingEmpty extends grpc.MethodDefinition<test_pb.Empty, test_pb.PingResponse> {
    path: "/mwitkow.testproto.TestService/PingEmpty";
    requestStream: false;
    responseStream: false;
    requestSerialize: grpc.serialize<test_pb.Empty>;
    requestDeserialize: grpc.deserialize<test_pb.Empty>;
    responseSerialize: grpc.serialize<test_pb.PingResponse>;
    responseDeserialize: grpc.deserialize<test_pb.PingResponse>;
}
interface ITestServiceService_IPing extends grpc.MethodDefinition<test_pb.PingRequest, test_pb.PingResponse> {
    path: "/mwitkow.testproto.TestService/Ping";
    requestStream: false;
    responseStream: false;
    requestSerialize: grpc.serialize<test_pb.PingRequest>;
    requestDeserialize: grpc.deserialize<test_pb.PingRequest>;
    responseSerialize: grpc.serialize<test_pb.PingResponse>;
    responseDeserialize: grpc.deserialize<test_pb.PingResponse>;
}
interface ITestServiceService_IPingError extends grpc.MethodDefinition<test_pb.PingRequest, test_pb.Empty> {
    path: "/mwitkow.testproto.TestService/PingError";
    requestStream: false;
    responseStream: false;
    requestSerialize: grpc.serialize<test_pb.PingRequest>;
    requestDeserialize: grpc.deserialize<test_pb.PingRequest>;
    responseSerialize: grpc.serialize<test_pb.Empty>;
    responseDeserialize: grpc.deserialize<test_pb.Empty>;
}
interface ITestServiceService_IPingList extends grpc.MethodDefinition<test_pb.PingRequest, test_pb.PingResponse> {
    path: "/mwitkow.testproto.TestService/PingList";
    requestStream: false;
    responseStream: true;
    requestSerialize: grpc.serialize<test_pb.PingRequest>;
    requestDeserialize: grpc.deserialize<test_pb.PingRequest>;
    responseSerialize: grpc.serialize<test_pb.PingResponse>;
    responseDeserialize: grpc.deserialize<test_pb.PingResponse>;
}
interface ITestServiceService_IPingClientStream extends grpc.MethodDefinition<test_pb.PingRequest, test_pb.PingResponse> {
    path: "/mwitkow.testproto.TestService/PingClientStream";
    requestStream: true;
    responseStream: false;
    requestSerialize: grpc.serialize<test_pb.PingRequest>;
    requestDeserialize: grpc.deserialize<test_pb.PingRequest>;
    responseSerialize: grpc.serialize<test_pb.PingResponse>;
    responseDeserialize: grpc.deserialize<test_pb.PingResponse>;
}
interface ITestServiceService_IPingStream extends grpc.MethodDefinition<test_pb.PingRequest, test_pb.PingResponse> {
    path: "/mwitkow.testproto.TestService/PingStream";
    requestStream: true;
    responseStream: true;
    requestSerialize: grpc.serialize<test_pb.PingRequest>;
    requestDeserialize: grpc.deserialize<test_pb.PingRequest>;
    responseSerialize: grpc.serialize<test_pb.PingResponse>;
    responseDeserialize: grpc.deserialize<test_pb.PingResponse>;
}

export const TestServiceService: ITestServiceService;

export interface ITestServiceServer extends grpc.UntypedServiceImplementation {
    pingEmpty: grpc.handleUnaryCall<test_pb.Empty, test_pb.PingResponse>;
    ping: grpc.handleUnaryCall<test_pb.PingRequest, test_pb.PingResponse>;
    pingError: grpc.handleUnaryCall<test_pb.PingRequest, test_pb.Empty>;
    pingList: grpc.handleServerStreamingCall<test_pb.PingRequest, test_pb.PingResponse>;
    pingClientStream: grpc.handleClientStreamingCall<test_pb.PingRequest, test_pb.PingResponse>;
    pingStream: grpc.handleBidiStreamingCall<test_pb.PingRequest, test_pb.PingResponse>;
}

export interface ITestServiceClient {
    pingEmpty(request: test_pb.Empty, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    pingEmpty(request: test_pb.Empty, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    pingEmpty(request: test_pb.Empty, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    ping(request: test_pb.PingRequest, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    ping(request: test_pb.PingRequest, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    ping(request: test_pb.PingRequest, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    pingError(request: test_pb.PingRequest, callback: (error: grpc.ServiceError | null, response: test_pb.Empty) => void): grpc.ClientUnaryCall;
    pingError(request: test_pb.PingRequest, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: test_pb.Empty) => void): grpc.ClientUnaryCall;
    pingError(request: test_pb.PingRequest, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.Empty) => void): grpc.ClientUnaryCall;
    pingList(request: test_pb.PingRequest, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<test_pb.PingResponse>;
    pingList(request: test_pb.PingRequest, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<test_pb.PingResponse>;
    pingClientStream(callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientWritableStream<test_pb.PingRequest>;
    pingClientStream(metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientWritableStream<test_pb.PingRequest>;
    pingClientStream(options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientWritableStream<test_pb.PingRequest>;
    pingClientStream(metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientWritableStream<test_pb.PingRequest>;
    pingStream(): grpc.ClientDuplexStream<test_pb.PingRequest, test_pb.PingResponse>;
    pingStream(options: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<test_pb.PingRequest, test_pb.PingResponse>;
    pingStream(metadata: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<test_pb.PingRequest, test_pb.PingResponse>;
}

export class TestServiceClient extends grpc.Client implements ITestServiceClient {
    constructor(address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>);
    public pingEmpty(request: test_pb.Empty, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    public pingEmpty(request: test_pb.Empty, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    public pingEmpty(request: test_pb.Empty, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    public ping(request: test_pb.PingRequest, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    public ping(request: test_pb.PingRequest, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    public ping(request: test_pb.PingRequest, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientUnaryCall;
    public pingError(request: test_pb.PingRequest, callback: (error: grpc.ServiceError | null, response: test_pb.Empty) => void): grpc.ClientUnaryCall;
    public pingError(request: test_pb.PingRequest, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: test_pb.Empty) => void): grpc.ClientUnaryCall;
    public pingError(request: test_pb.PingRequest, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.Empty) => void): grpc.ClientUnaryCall;
    public pingList(request: test_pb.PingRequest, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<test_pb.PingResponse>;
    public pingList(request: test_pb.PingRequest, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<test_pb.PingResponse>;
    public pingClientStream(callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientWritableStream<test_pb.PingRequest>;
    public pingClientStream(metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientWritableStream<test_pb.PingRequest>;
    public pingClientStream(options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientWritableStream<test_pb.PingRequest>;
    public pingClientStream(metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: test_pb.PingResponse) => void): grpc.ClientWritableStream<test_pb.PingRequest>;
    public pingStream(options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<test_pb.PingRequest, test_pb.PingResponse>;
    public pingStream(metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<test_pb.PingRequest, test_pb.PingResponse>;
}
