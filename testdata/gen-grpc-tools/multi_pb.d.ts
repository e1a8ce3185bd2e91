// package: acme.multi
// file: multi.proto

/* tslint:disable */
/* eslint-disable */

import * as jspb from "google-protobuf";

export class Req extends jspb.Message { 
    getId(): string;
    setId(value: string): Req;

    serializeBinary(): Uint8Array;
    toObject(includeInstance?: boolean): Req.AsObject;
    static toObject(includeInstance: boolean, msg: Req): Req.AsObject;
    static extensions: {[key: number]: jspb.ExtensionFieldInfo<jspb.Message>};
    static extensionsBinary: {[key: number]: jspb.ExtensionFieldBinaryInfo<jspb.Message>};
    static serializeBinaryToWriter(message: Req, writer: jspb.BinaryWriter): void;
    static deserializeBinary(bytes: Uint8Array): Req;
    static deserializeBinaryFromReader(message: Req, reader: jspb.BinaryReader): Req;
}

export namespace Req {
    export type AsObject = {
        id: string,
    }
}

export class Res extends jspb.Message { 
    getId(): string;
    setId(value: string): Res;

    serializeBinary(): Uint8Array;
    toObject(includeInstance?: boolean): Res.AsObject;
    static toObject(includeInstance: boolean, msg: Res): Res.AsObject;
    static extensions: {[key: number]: jspb.ExtensionFieldInfo<jspb.Message>};
    static extensionsBinary: {[key: number]: jspb.ExtensionFieldBinaryInfo<jspb.Message>};
    static serializeBinaryToWriter(message: Res, writer: jspb.BinaryWriter): void;
    static deserializeBinary(bytes: Uint8Array): Res;
    static deserializeBinaryFromReader(message: Res, reader: jspb.BinaryReader): Res;
}

export namespace Res {
    export type AsObject = {
        id: string,
    }
}
