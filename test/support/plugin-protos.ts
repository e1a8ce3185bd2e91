/** longName is a 204-character name, for a service and a method. */
export const longName = `Very${"Long".repeat(50)}`;

/**
 * userProtos are protos users bring, all generated in one buf run: several
 * services per file and across files, no package, a deep package, proto2,
 * proto3 and edition 2023, every streaming kind, messages from imported
 * files and well-known types, and method names that are JavaScript's
 * reserved words or Object.prototype's names.
 */
export const userProtos: Record<string, string> = {
  "acme/common/v1/money.proto": `syntax = "proto3";
package acme.common.v1;
message Money { string currency = 1; int64 units = 2; }`,

  "acme/shop/v1/catalog.proto": `syntax = "proto3";
package acme.shop.v1;
import "acme/common/v1/money.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
message Item { string id = 1; acme.common.v1.Money price = 2; google.protobuf.Timestamp added = 3; }
// Catalog serves items, in every streaming kind.
service Catalog {
  rpc Get(google.protobuf.StringValue) returns (Item);
  rpc Import(stream Item) returns (google.protobuf.Empty);
  rpc List(google.protobuf.Empty) returns (stream Item);
  rpc Sync(stream Item) returns (stream Item);
}
// Admin's comment has */ and /* in it.
service Admin { rpc Configure(google.protobuf.Struct) returns (acme.common.v1.Money); }`,

  "acme/shop/v1/orders.proto": `syntax = "proto3";
package acme.shop.v1;
import "acme/shop/v1/catalog.proto";
import "google/protobuf/timestamp.proto";
service Orders { rpc Place(Item) returns (google.protobuf.Timestamp); rpc Track(Item) returns (stream Item); }`,

  "legacy/v1/legacy.proto": `syntax = "proto2";
package legacy.v1;
message Outer {
  message Inner { required int32 n = 1; optional string s = 2 [default = "x"]; }
  optional Inner inner = 1;
  extensions 100 to 199;
}
service Legacy {
  rpc Unary(Outer.Inner) returns (Outer);
  rpc ClientStream(stream Outer) returns (Outer.Inner);
  rpc ServerStream(Outer) returns (stream Outer);
  rpc Bidi(stream Outer.Inner) returns (stream Outer.Inner);
}`,

  "ed/v1/ed.proto": `edition = "2023";
package ed.v1;
import "google/protobuf/duration.proto";
message Job { string name = 1 [features.field_presence = IMPLICIT]; google.protobuf.Duration took = 2; }
service Jobs { rpc Run(Job) returns (Job); rpc Watch(stream Job) returns (stream Job); }`,

  "bare.proto": `syntax = "proto3";
message Ping { int32 n = 1; }
service Bare { rpc Echo(Ping) returns (Ping); }
service Naked { rpc Echo(stream Ping) returns (Ping); }`,

  "a/b/c/d/e/f/g/h/v1/deep.proto": `syntax = "proto3";
package a.b.c.d.e.f.g.h.v1;
message Deep { string s = 1; }
service Abyss { rpc Dive(Deep) returns (stream Deep); }`,

  "names/v1/names.proto": `syntax = "proto3";
package names.v1;
message M { string s = 1; }
service Reserved {
  rpc Delete(M) returns (M);
  rpc New(M) returns (M);
  rpc Function(M) returns (M);
  rpc Class(M) returns (M);
  rpc Default(M) returns (M);
  rpc Import(M) returns (M);
  rpc Await(M) returns (M);
  rpc Enum(M) returns (M);
  rpc Null(M) returns (M);
}
service ObjectNames {
  rpc Constructor(M) returns (M);
  rpc ToString(M) returns (M);
  rpc HasOwnProperty(M) returns (M);
  rpc ValueOf(M) returns (M);
  rpc IsPrototypeOf(M) returns (M);
  rpc Prototype(M) returns (M);
  rpc __proto__(M) returns (M);
  rpc Then(M) returns (M);
}
service Numbered { rpc _1(M) returns (M); }
service Nothing {}
service Shelf { rpc Put(M) returns (M); }
service InstrumentedShelf { rpc Put(M) returns (M); }
service instrument { rpc Put(M) returns (M); }
service ${longName} { rpc ${longName}(M) returns (M); rpc Short(stream M) returns (stream M); }`,
};

/**
 * rejectedProtos are protos whose method names cannot work with ts-proto
 * and grpc-js, each with the one line the run fails with.
 */
export const rejectedProtos: Record<string, { proto: string; error: string }> = {
  "dup.proto": {
    proto: `syntax = "proto3"; package dup; message M {}
service Dup { rpc GetFoo(M) returns (M); rpc Other(M) returns (M); rpc get_foo(M) returns (M); }`,
    error:
      "dup.proto: service dup.Dup: methods GetFoo and get_foo are both getFoo in ts-proto's code, where the second " +
      "hides the first (ts-proto's code does not compile, and grpc-js would serve only get_foo); rename one of them",
  },
  "underscore.proto": {
    proto: `syntax = "proto3"; package underscore; message M {}
service Under { rpc _(M) returns (M); }`,
    error:
      'underscore.proto: service underscore.Under: method _ is "" in ts-proto\'s code, which ts-proto writes as an ' +
      "unquoted key but is not a JavaScript identifier, so its code does not compile; rename the method",
  },
  "digit.proto": {
    proto: `syntax = "proto3"; package digit; message M {}
service Digit { rpc _2fa(M) returns (M); }`,
    error:
      'digit.proto: service digit.Digit: method _2fa is "2Fa" in ts-proto\'s code, which ts-proto writes as an ' +
      "unquoted key but is not a JavaScript identifier, so its code does not compile; rename the method",
  },
  "close.proto": {
    proto: `syntax = "proto3"; package close; message M {}
service Door { rpc Open(M) returns (M); rpc Close(M) returns (M); }`,
    error:
      "close.proto: service close.Door: method Close is close in ts-proto's code, a method grpc-js's Client needs: " +
      "the rpc would replace it on every DoorClient (and ts-proto's DoorClient does not compile); rename the method",
  },
};

/** clientMemberProtos has, per method of grpc-js's Client, a proto with an rpc of that name. */
export function clientMemberProtos(names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const rpc = name[0]!.toUpperCase() + name.slice(1);
    out[`member_${name}.proto`] = `syntax = "proto3"; package m_${name}; message M {}
service S { rpc ${rpc}(M) returns (M); }`;
  }
  return out;
}
