// The TLS settings every router listener uses: TLS 1.2 at least, Mozilla's "intermediate"
// cipher list (AEAD only: no CBC, 3DES or RC4) in the server's order, and only HTTP/1.1 in ALPN
// (HTTP/2 is not served yet). The DHE suites of that list are left out: they need a DH group of
// our own and every client that has them also has ECDHE.

/** TLS 1.3 suites (all AEAD), then the TLS 1.2 ECDHE AEAD suites, strongest-for-the-client first. */
export const TLS_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** Key exchange groups, Mozilla intermediate's order. */
export const TLS_GROUPS = "X25519:prime256v1:secp384r1";

/** The options of every SecureContext the router builds (a certificate's and the listeners' default). */
export const SECURE_CONTEXT_POLICY = {
  minVersion: "TLSv1.2",
  ciphers: TLS_CIPHERS,
  ecdhCurve: TLS_GROUPS,
  honorCipherOrder: true,
} as const;

export const ALPN_PROTOCOLS = ["http/1.1"];
