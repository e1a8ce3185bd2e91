// The published plugin is one bundle (see the build script in package.json).
// @bufbuild/protoplugin imports the TypeScript compiler (9 MB, with
// @typescript/vfs) at load, only to transpile to JavaScript or declarations:
// outputs this plugin refuses, since ts-proto emits TypeScript. The bundle
// puts this module in their place, so the plugin starts in a fraction of the
// time and users do not install a second compiler.

function absent(): never {
  throw new Error("protoc-gen-grpc-prom emits TypeScript only: the TypeScript compiler is not part of it");
}

export default {};
export const createDefaultMapFromNodeModules = absent;
export const createSystem = absent;
export const createVirtualCompilerHost = absent;
