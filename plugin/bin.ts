#!/usr/bin/env node
import { protocGenGrpcProm } from "./plugin.js";
import { runNode } from "./run-node.js";

runNode(protocGenGrpcProm);
