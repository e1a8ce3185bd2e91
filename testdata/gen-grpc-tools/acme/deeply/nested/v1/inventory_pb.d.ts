// package: acme.deeply.nested.v1
// file: acme/deeply/nested/v1/inventory.proto

/* tslint:disable */
/* eslint-disable */

import * as jspb from "google-protobuf";
import * as acme_common_v1_common_pb from "../../../../acme/common/v1/common_pb";
import * as google_protobuf_empty_pb from "google-protobuf/google/protobuf/empty_pb";
