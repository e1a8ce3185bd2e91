/**
 * PluginError is a mistake in what the plugin was given (its request, its
 * options, its protos), not a bug in it: the bin prints its message, one line,
 * without a stack.
 */
export class PluginError extends Error {
  override readonly name = "PluginError";
}
