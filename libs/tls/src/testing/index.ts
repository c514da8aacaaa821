// @signalbox/tls/testing: the openssl-made PKI the TLS tests share.
export * from "./test-pki.js";
