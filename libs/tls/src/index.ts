// @signalbox/tls: certificate checks, host-name coverage and SNI selection (pure; node:crypto parsing only).
export * from "./certificate-check.js";
export * from "./host-names.js";
export * from "./pem.js";
export * from "./sni-index.js";
export * from "./tls-warnings.js";
