#!/usr/bin/env node
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenGrpcProm } from "./plugin.js";

runNodeJs(protocGenGrpcProm);
