// package: acme.messages
// file: messages_only.proto

/* tslint:disable */
/* eslint-disable */

import * as jspb from "google-protobuf";

export class Lonely extends jspb.Message { 
    getText(): string;
    setText(value: string): Lonely;

    serializeBinary(): Uint8Array;
    toObject(includeInstance?: boolean): Lonely.AsObject;
    static toObject(includeInstance: boolean, msg: Lonely): Lonely.AsObject;
    static extensions: {[key: number]: jspb.ExtensionFieldInfo<jspb.Message>};
    static extensionsBinary: {[key: number]: jspb.ExtensionFieldBinaryInfo<jspb.Message>};
    static serializeBinaryToWriter(message: Lonely, writer: jspb.BinaryWriter): void;
    static deserializeBinary(bytes: Uint8Array): Lonely;
    static deserializeBinaryFromReader(message: Lonely, reader: jspb.BinaryReader): Lonely;
}

export namespace Lonely {
    export type AsObject = {
        text: string,
    }
}
