/** version is this plugin's version, printed in each generated file; a test keeps it equal to package.json's. */
export const version = "0.1.0";
