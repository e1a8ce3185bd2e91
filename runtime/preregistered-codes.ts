import { grpcCodeNames } from "./contract.js";

/** GrpcCodeName is Go's spelling of one of the 17 status codes. */
export type GrpcCodeName = (typeof grpcCodeNames)[number];

/**
 * PreregisteredCodes chooses the codes whose series every method has at
 * zero from the start: all 17 (the default, as go-grpc-prometheus's
 * initialisation), a list, or none. The others appear on first use. Fewer
 * codes make fewer series (go-grpc-prometheus #93, #66); a code missing
 * until it happens makes `rate()` and alerts over it start late.
 */
export type PreregisteredCodes = "all" | "none" | readonly GrpcCodeName[];

/**
 * preregisteredCodes reads the option into one flag per code, failing at
 * construction with a message naming what is wrong.
 */
export function preregisteredCodes(option: unknown, owner: string): readonly boolean[] {
  if (option === undefined || option === "all") return grpcCodeNames.map(() => true);
  if (option === "none") return grpcCodeNames.map(() => false);
  if (!Array.isArray(option)) {
    throw new TypeError(`${owner}: preregisteredCodes must be "all", "none" or a list of code names`);
  }
  for (const name of option) {
    if (!(grpcCodeNames as readonly unknown[]).includes(name)) {
      throw new RangeError(
        `${owner}: preregisteredCodes: ${JSON.stringify(name)} is not a code name; the codes are ${grpcCodeNames.join(", ")}`,
      );
    }
  }
  return grpcCodeNames.map((n) => option.includes(n));
}
