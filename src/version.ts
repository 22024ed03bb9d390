// The product's name and version, taken from package.json at build time.
import pkg from "../package.json";

export const NAME = "sqs-accelerator";
export const VERSION: string = pkg.version;
