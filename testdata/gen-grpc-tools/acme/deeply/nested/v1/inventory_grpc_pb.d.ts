// package: acme.deeply.nested.v1
// file: acme/deeply/nested/v1/inventory.proto

/* tslint:disable */
/* eslint-disable */

import * as grpc from "@grpc/grpc-js";
import * as acme_deeply_nested_v1_inventory_pb from "../../../../acme/deeply/nested/v1/inventory_pb";
import * as acme_common_v1_common_pb from "../../../../acme/common/v1/common_pb";
import * as google_protobuf_empty_pb from "google-protobuf/google/protobuf/empty_pb";

interface IInventoryService extends grpc.ServiceDefinition<grpc.UntypedServiceImplementation> {
    get: IInventoryService_IGet;
    list: IInventoryService_IList;
}

interface IInventoryService_IGet extends grpc.MethodDefinition<acme_common_v1_common_pb.Id, acme_common_v1_common_pb.Item> {
    path: "/acme.deeply.nested.v1.Inventory/Get";
    requestStream: false;
    responseStream: false;
    requestSerialize: grpc.serialize<acme_common_v1_common_pb.Id>;
    requestDeserialize: grpc.deserialize<acme_common_v1_common_pb.Id>;
    responseSerialize: grpc.serialize<acme_common_v1_common_pb.Item>;
    responseDeserialize: grpc.deserialize<acme_common_v1_common_pb.Item>;
}
interface IInventoryService_IList extends grpc.MethodDefinition<google_protobuf_empty_pb.Empty, acme_common_v1_common_pb.Item> {
    path: "/acme.deeply.nested.v1.Inventory/List";
    requestStream: false;
    responseStream: true;
    requestSerialize: grpc.serialize<google_protobuf_empty_pb.Empty>;
    requestDeserialize: grpc.deserialize<google_protobuf_empty_pb.Empty>;
    responseSerialize: grpc.serialize<acme_common_v1_common_pb.Item>;
    responseDeserialize: grpc.deserialize<acme_common_v1_common_pb.Item>;
}

export const InventoryService: IInventoryService;

export interface IInventoryServer extends grpc.UntypedServiceImplementation {
    get: grpc.handleUnaryCall<acme_common_v1_common_pb.Id, acme_common_v1_common_pb.Item>;
    list: grpc.handleServerStreamingCall<google_protobuf_empty_pb.Empty, acme_common_v1_common_pb.Item>;
}

export interface IInventoryClient {
    get(request: acme_common_v1_common_pb.Id, callback: (error: grpc.ServiceError | null, response: acme_common_v1_common_pb.Item) => void): grpc.ClientUnaryCall;
    get(request: acme_common_v1_common_pb.Id, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: acme_common_v1_common_pb.Item) => void): grpc.ClientUnaryCall;
    get(request: acme_common_v1_common_pb.Id, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: acme_common_v1_common_pb.Item) => void): grpc.ClientUnaryCall;
    list(request: google_protobuf_empty_pb.Empty, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<acme_common_v1_common_pb.Item>;
    list(request: google_protobuf_empty_pb.Empty, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<acme_common_v1_common_pb.Item>;
}

export class InventoryClient extends grpc.Client implements IInventoryClient {
    constructor(address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>);
    public get(request: acme_common_v1_common_pb.Id, callback: (error: grpc.ServiceError | null, response: acme_common_v1_common_pb.Item) => void): grpc.ClientUnaryCall;
    public get(request: acme_common_v1_common_pb.Id, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response: acme_common_v1_common_pb.Item) => void): grpc.ClientUnaryCall;
    public get(request: acme_common_v1_common_pb.Id, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: acme_common_v1_common_pb.Item) => void): grpc.ClientUnaryCall;
    public list(request: google_protobuf_empty_pb.Empty, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<acme_common_v1_common_pb.Item>;
    public list(request: google_protobuf_empty_pb.Empty, metadata?: grpc.Metadata, options?: Partial<grpc.CallOptions>): grpc.ClientReadableStream<acme_common_v1_common_pb.Item>;
}

interface IPlaceholderService extends grpc.ServiceDefinition<grpc.UntypedServiceImplementation> {
}


export const PlaceholderService: IPlaceholderService;

export interface IPlaceholderServer extends grpc.UntypedServiceImplementation {
}

export interface IPlaceholderClient {
}

export class PlaceholderClient extends grpc.Client implements IPlaceholderClient {
    constructor(address: string, credentials: grpc.ChannelCredentials, options?: Partial<grpc.ClientOptions>);
}
