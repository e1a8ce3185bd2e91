// package: acme.multi
// file: multi.proto

/* tslint:disable */
/* eslint-disable */

import * as grpc from "@grpc/grpc-js";
import * as multi_pb from "./multi_pb";

interface IAlphaService extends grpc.ServiceDefinition<grpc.UntypedServiceImplementation> {
    getHTTPStatus: IAlphaService_IGetHTTPStatus;
    get_foo_bar: IAlphaService_Iget_foo_bar;
    watch: IAlphaService_IWatch;
}

interface IAlphaService_IGetHTTPStatus extends grpc.MethodDefinition<multi_pb.Req, multi_pb.Res> {
    path: "/acme.multi.Alpha/GetHTTPStatus";
    requestStream: false;
    responseStream: false;
    requestSerialize: grpc.serialize<multi_pb.Req>;
    requestDeserialize: grpc.deserialize<multi_pb.Req>;
    responseSerialize: grpc.serialize<multi_pb.Res>;
    responseDeserialize: grpc.deserialize<multi_pb.Res>;
}
interface IAlphaService_Iget_foo_bar extends grpc.MethodDefinition<multi_pb.Req, multi_pb.Res> {
    path: "/acme.multi.Alpha/get_foo_bar";
    requestStream: false;
    responseStream: false;
    requestSerialize: grpc.serialize<multi_pb.Req>;
    requestDeserialize: grpc.deserialize<multi_pb.Req>;
    responseSerialize: grpc.serialize<multi_pb.Res>;
    responseDeserialize: grpc.deserialize<multi_pb.Res>;
}
interface IAlphaService_IWatch extends grpc.MethodDefinition<multi_pb.Req, multi_pb.Res> {
    path: "/acme.multi.Alpha/Watch";
    requestStream: false;
    responseStream: true;
    requestSerialize: grpc.serialize<multi_pb.Req>;
    requestDeserialize: grpc.deserialize<multi_pb.Req>;
    responseSerialize: grpc.serialize<multi_pb.Res>;
    responseDeserialize: grpc.deserialize<multi_pb.Res>;
}

export const AlphaService: IAlphaService;

export interface IAlphaServer extends grpc.UntypedServiceImplementation {
    getHTTPStatus: grpc.handleUnaryCall<multi_pb.Req, multi_pb.Res>;
    get_foo_bar: grpc.handleUnaryCall<multi_pb.Req, multi_pb.Res>;
    watch: grpc.handleServerStreamingCall<multi_pb.Req, multi_pb.Res>;
}

export interface IAlphaClient {
    getHTTPStatus(request: multi_pb.Req, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    getHTTPStatus(request: multi_pb.Req, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    getHTTPStatus(request: multi_pb.Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    get_foo_bar(request: multi_pb.Req, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    get_foo_bar(request: multi_pb.Req, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    get_foo_bar(request: multi_pb.Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    watch(request: multi_pb.Req, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<multi_pb.Res>;
    watch(request: multi_pb.Req, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<multi_pb.Res>;
}

export class AlphaClient extends grpc.Client implements IAlphaClient {
    constructor(address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>);
    public getHTTPStatus(request: multi_pb.Req, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    public getHTTPStatus(request: multi_pb.Req, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    public getHTTPStatus(request: multi_pb.Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    public get_foo_bar(request: multi_pb.Req, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    public get_foo_bar(request: multi_pb.Req, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    public get_foo_bar(request: multi_pb.Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientUnaryCall;
    public watch(request: multi_pb.Req, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<multi_pb.Res>;
    public watch(request: multi_pb.Req, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<multi_pb.Res>;
}

interface IBetaService extends grpc.ServiceDefinition<grpc.UntypedServiceImplementation> {
    upload: IBetaService_IUpload;
    chat: IBetaService_IChat;
}

interface IBetaService_IUpload extends grpc.MethodDefinition<multi_pb.Req, multi_pb.Res> {
    path: "/acme.multi.Beta/Upload";
    requestStream: true;
    responseStream: false;
    requestSerialize: grpc.serialize<multi_pb.Req>;
    requestDeserialize: grpc.deserialize<multi_pb.Req>;
    responseSerialize: grpc.serialize<multi_pb.Res>;
    responseDeserialize: grpc.deserialize<multi_pb.Res>;
}
interface IBetaService_IChat extends grpc.MethodDefinition<multi_pb.Req, multi_pb.Res> {
    path: "/acme.multi.Beta/Chat";
    requestStream: true;
    responseStream: true;
    requestSerialize: grpc.serialize<multi_pb.Req>;
    requestDeserialize: grpc.deserialize<multi_pb.Req>;
    responseSerialize: grpc.serialize<multi_pb.Res>;
    responseDeserialize: grpc.deserialize<multi_pb.Res>;
}

export const BetaService: IBetaService;

export interface IBetaServer extends grpc.UntypedServiceImplementation {
    upload: grpc.handleClientStreamingCall<multi_pb.Req, multi_pb.Res>;
    chat: grpc.handleBidiStreamingCall<multi_pb.Req, multi_pb.Res>;
}

export interface IBetaClient {
    upload(callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientWritableStream<multi_pb.Req>;
    upload(metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientWritableStream<multi_pb.Req>;
    upload(options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientWritableStream<multi_pb.Req>;
    upload(metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientWritableStream<multi_pb.Req>;
    chat(): grpc.ClientDuplexStream<multi_pb.Req, multi_pb.Res>;
    chat(options: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<multi_pb.Req, multi_pb.Res>;
    chat(metadata: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<multi_pb.Req, multi_pb.Res>;
}

export class BetaClient extends grpc.Client implements IBetaClient {
    constructor(address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>);
    public upload(callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientWritableStream<multi_pb.Req>;
    public upload(metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientWritableStream<multi_pb.Req>;
    public upload(options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientWritableStream<multi_pb.Req>;
    public upload(metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: multi_pb.Res) => void): grpc.ClientWritableStream<multi_pb.Req>;
    public chat(options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<multi_pb.Req, multi_pb.Res>;
    public chat(metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientDuplexStream<multi_pb.Req, multi_pb.Res>;
}
