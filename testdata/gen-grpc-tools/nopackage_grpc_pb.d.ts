// package: 
// file: nopackage.proto

/* tslint:disable */
/* eslint-disable */

import * as grpc from "@grpc/grpc-js";
import * as nopackage_pb from "./nopackage_pb";

interface IBareService extends grpc.ServiceDefinition<grpc.UntypedServiceImplementation> {
    echo: IBareService_IEcho;
}

interface IBareService_IEcho extends grpc.MethodDefinition<nopackage_pb.Ping, nopackage_pb.Ping> {
    path: "/Bare/Echo";
    requestStream: false;
    responseStream: false;
    requestSerialize: grpc.serialize<nopackage_pb.Ping>;
    requestDeserialize: grpc.deserialize<nopackage_pb.Ping>;
    responseSerialize: grpc.serialize<nopackage_pb.Ping>;
    responseDeserialize: grpc.deserialize<nopackage_pb.Ping>;
}

export const BareService: IBareService;

export interface IBareServer extends grpc.UntypedServiceImplementation {
    echo: grpc.handleUnaryCall<nopackage_pb.Ping, nopackage_pb.Ping>;
}

export interface IBareClient {
    echo(request: nopackage_pb.Ping, callback: (error: grpc.ServiceError | null, response: nopackage_pb.Ping) => void): grpc.ClientUnaryCall;
    echo(request: nopackage_pb.Ping, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: nopackage_pb.Ping) => void): grpc.ClientUnaryCall;
    echo(request: nopackage_pb.Ping, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: nopackage_pb.Ping) => void): grpc.ClientUnaryCall;
}

export class BareClient extends grpc.Client implements IBareClient {
    constructor(address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>);
    public echo(request: nopackage_pb.Ping, callback: (error: grpc.ServiceError | null, response: nopackage_pb.Ping) => void): grpc.ClientUnaryCall;
    public echo(request: nopackage_pb.Ping, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: nopackage_pb.Ping) => void): grpc.ClientUnaryCall;
    public echo(request: nopackage_pb.Ping, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: nopackage_pb.Ping) => void): grpc.ClientUnaryCall;
}
