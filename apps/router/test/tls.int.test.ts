// HTTPS at the edge with real TLS clients (node:tls, node:https) trusting an openssl-made test CA:
// SNI exact / wildcard / default, the self-signed fallback, a certificate replaced under an open
// keep-alive connection, X-Forwarded-Proto https, redirect-https into the TLS listener, and a
// session resumed on another router through the ticket key shared in signalbox-certs.

import { randomBytes, X509Certificate as X509 } from "node:crypto";
import { Agent, request as httpsRequest } from "node:https";
import { connect, type PeerCertificate, type TLSSocket } from "node:tls";
import {
  type CertRecord,
  certKeys,
  certRecordSchema,
  connectNats,
  createCodec,
  defaultCertSchema,
  openCertsBucket,
  ticketKeysSchema,
} from "@signalbox/bus";
import { captureLogger, waitUntil } from "@signalbox/bus/testing";
import { checkCertificate } from "@signalbox/tls";
import { createTestPki, type IssuedCertificate, type TestPki } from "@signalbox/tls/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backendOf, endpoint, get, type TestBackend, type TestRouter } from "./harness.js";
import { useRouterSuite } from "./router-suite.js";

const suite = useRouterSuite({ ROUTER_TLS_LISTEN: "127.0.0.1:0" });
let pki: TestPki;
let kv: Awaited<ReturnType<typeof openCertsBucket>>;
let nc: Awaited<ReturnType<typeof connectNats>>;
let echo: TestBackend;
let shop: IssuedCertificate;
let wild: IssuedCertificate;
let fallback: IssuedCertificate;

const recordCodec = createCodec("cert-record", certRecordSchema);

/** Writes `cert.<id>` as the watcher's cert.add does. */
async function putCert(id: string, issued: IssuedCertificate): Promise<CertRecord> {
  const check = checkCertificate({ chainPem: issued.chainPem, keyPem: issued.keyPem, now: Date.now() });
  if (!check.ok) throw new Error(check.reason);
  const record: CertRecord = {
    id,
    ...check.facts,
    source: "api",
    addedAt: Date.now(),
    chainPem: issued.chainPem,
    keyPem: issued.keyPem,
  };
  await kv.put(certKeys.cert(id), recordCodec.encode(record));
  return record;
}

function tlsPort(router: TestRouter = suite.router): number {
  const [address] = router.tlsAddresses;
  if (address === undefined) throw new Error("no TLS listener");
  return address.port;
}

interface Handshake {
  cert: PeerCertificate;
  authorized: boolean;
  protocol: string | null;
  alpn: string | false | null;
}

/** One TLS handshake (no request); `servername` undefined sends no SNI. */
function handshake(servername: string | undefined, port = tlsPort()): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ...(servername !== undefined && { servername }),
      ca: pki.caPem,
      rejectUnauthorized: false,
      ALPNProtocols: ["h2", "http/1.1"],
    });
    socket.once("secureConnect", () => {
      resolve({
        cert: socket.getPeerCertificate(),
        authorized: socket.authorized,
        protocol: socket.getProtocol(),
        alpn: socket.alpnProtocol,
      });
      socket.end();
    });
    socket.once("error", reject);
  });
}

beforeAll(async () => {
  pki = createTestPki();
  shop = pki.issue({ names: ["shop.test", "secure.test"] });
  wild = pki.issue({ names: ["*.wild.test"], viaIntermediate: true });
  fallback = pki.issue({ names: ["fallback.test"] });
  nc = await connectNats({
    servers: suite.harness.nats.url,
    name: "test-certs",
    logger: captureLogger("silent").logger,
  });
  kv = await openCertsBucket(nc);
  echo = await suite.backend("echo");
  await suite.publish(
    [
      endpoint("shop.test", [{ selector: "role=echo" }], { filters: [{ type: "hsts", maxAge: 600 }] }),
      endpoint("secure.test", [{ selector: "role=echo" }], { filters: [{ type: "redirect-https" }] }),
    ],
    [backendOf(echo, { role: "echo" })],
  );
});

afterAll(async () => {
  await nc?.close();
  pki?.remove();
});

describe("TLS listener", () => {
  it("serves a self-signed certificate before signalbox-certs has any, and says so in its log", async () => {
    const hello = await handshake(undefined);
    expect(hello.cert.subject.CN).toBe("signalbox-router.invalid");
    expect(hello.authorized).toBe(false);
    expect(suite.router.logs.find("generated a self-signed certificate")).toHaveLength(1);
  });

  it("negotiates TLS 1.2 or later with an AEAD cipher and ALPN http/1.1 only", async () => {
    const hello = await handshake("shop.test");
    expect(["TLSv1.2", "TLSv1.3"]).toContain(hello.protocol);
    expect(hello.alpn).toBe("http/1.1");
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect({
          host: "127.0.0.1",
          port: tlsPort(),
          maxVersion: "TLSv1.1",
          minVersion: "TLSv1",
          rejectUnauthorized: false,
        });
        socket.once("secureConnect", () => resolve(socket.getProtocol()));
        socket.once("error", (err) => reject(err));
      }),
    ).rejects.toThrow();
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect({
          host: "127.0.0.1",
          port: tlsPort(),
          maxVersion: "TLSv1.2",
          ciphers: "ECDHE-RSA-AES128-SHA:AES128-SHA",
          rejectUnauthorized: false,
        });
        socket.once("secureConnect", () => resolve(socket.getCipher()));
        socket.once("error", (err) => reject(err));
      }),
    ).rejects.toThrow();
  });

  it("picks by SNI: exact name, then the wildcard, then the default certificate", async () => {
    await putCert("shop", shop);
    await putCert("wild", wild);
    await putCert("fallback", fallback);
    await kv.put(certKeys.default, createCodec("default", defaultCertSchema).encode({ id: "fallback" }));
    await waitUntil(
      async () => (await handshake("nothing.test")).cert.subject.CN === "fallback.test",
      "default applied",
    );

    const exact = await handshake("shop.test");
    expect(exact.cert.subject.CN).toBe("shop.test");
    expect(exact.authorized).toBe(true);
    const wildcard = await handshake("api.wild.test");
    expect(wildcard.cert.subject.CN).toBe("*.wild.test");
    expect(wildcard.authorized).toBe(true);
    // Two labels under the wildcard: no client would accept *.wild.test, so the default answers.
    expect((await handshake("a.b.wild.test")).cert.subject.CN).toBe("fallback.test");
    expect((await handshake(undefined)).cert.subject.CN).toBe("fallback.test");
  });

  it("tells the backend the request came over https, sends HSTS over https only, and redirect-https lets it through", async () => {
    const agent = new Agent({ ca: pki.caPem, keepAlive: false });
    const answer = await httpsGet(agent, "shop.test", "/x");
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.body) as { headers: Record<string, string> };
    expect(seen.headers["x-forwarded-proto"]).toBe("https");
    expect(seen.headers.forwarded).toMatch(/proto=https/);
    expect(answer.headers["strict-transport-security"]).toBe("max-age=600");
    expect((await get(suite.router.url, "shop.test")).headers["strict-transport-security"]).toBeUndefined();

    const plain = await get(suite.router.url, "secure.test", { path: "/pay?x=1" });
    expect(plain.status).toBe(301);
    expect(plain.headers.location).toBe("https://secure.test/pay?x=1");
    const secure = await httpsGet(agent, "secure.test", "/pay?x=1");
    expect(secure.status).toBe(200);
    expect((JSON.parse(secure.body) as { url: string }).url).toBe("/pay?x=1");
    agent.destroy();
  });

  it("serves a replaced certificate to the next handshake within 1 s while an open connection keeps working", async () => {
    const agent = new Agent({ ca: pki.caPem, keepAlive: true, maxSockets: 1 });
    const first = await httpsGet(agent, "shop.test", "/before");
    expect(first.status).toBe(200);
    const renewed = pki.issue({ names: ["shop.test", "secure.test"] });
    const renewedFingerprint = new X509(renewed.chainPem).fingerprint256;
    expect(first.fingerprint).not.toBe(renewedFingerprint);

    const putAt = Date.now();
    await putCert("shop", renewed);
    await waitUntil(
      async () => (await handshake("shop.test")).cert.fingerprint256 === renewedFingerprint,
      "the renewed certificate",
      5000,
      20,
    );
    const appliedMs = Date.now() - putAt;
    expect(appliedMs).toBeLessThan(1000);

    const second = await httpsGet(agent, "shop.test", "/after");
    expect(second.status).toBe(200);
    expect(second.reusedSocket).toBe(true);
    // The open connection still runs on the certificate it was set up with.
    expect(second.fingerprint).toBe(first.fingerprint);
    agent.destroy();
  });
});

describe("admin", () => {
  it("shows which certificate serves each endpoint on /routes, and handshakes and expiry on /metrics", async () => {
    const routes = JSON.parse((await get(suite.router.admin, "admin", { path: "/routes" })).body) as {
      endpoints: { pattern: string; certificate: string }[];
      certificates: { id: string; names: string[]; default: boolean }[];
      tlsWarnings: string[];
    };
    expect(routes.endpoints.map((e) => [e.pattern, e.certificate])).toEqual([
      ["secure.test", "shop"],
      ["shop.test", "shop"],
    ]);
    expect(routes.certificates.map((c) => [c.id, c.default])).toEqual([
      ["shop", false],
      ["wild", false],
      ["fallback", true],
    ]);
    expect(routes.tlsWarnings).toEqual([]);
    expect(JSON.stringify(routes)).not.toMatch(/PRIVATE KEY/);
    expect(JSON.stringify(suite.router.logs.lines)).not.toMatch(/PRIVATE KEY/);

    const metrics = (await get(suite.router.admin, "admin", { path: "/metrics" })).body;
    const handshakes = /signalbox_router_tls_handshakes_total\{result="full"\} (\d+)/.exec(metrics);
    expect(Number(handshakes?.[1])).toBeGreaterThan(5);
    expect(metrics).toMatch(/signalbox_router_tls_handshakes_total\{result="failed"\} [1-9]/);
    expect(metrics).toMatch(/signalbox_router_tls_sni_picks_total\{match="wildcard"\} [1-9]/);
    const expiry = /signalbox_router_tls_certificate_expiry_seconds\{certificate="wild"\} (\d+)/.exec(
      metrics,
    );
    expect(Number(expiry?.[1])).toBe(Date.parse(new X509(wild.chainPem).validTo) / 1000);
  });
});

describe("session resumption", () => {
  it("resumes a session from router A on router B once the shared ticket key is in signalbox-certs", async () => {
    const other = await suite.harness.startRouter({
      ROUTER_TLS_LISTEN: "127.0.0.1:0",
      ROUTER_ID: "router-b",
    });
    await waitUntil(
      async () => (await handshake("shop.test", tlsPort(other))).cert.subject.CN === "shop.test",
      "router B has the certificates",
    );
    // Each router's own key: a session from A does not resume on B, but does on A.
    const own = await sessionFrom(tlsPort());
    expect(await resumes(tlsPort(other), own)).toBe(false);
    expect(await resumes(tlsPort(), await sessionFrom(tlsPort()))).toBe(true);

    const key = randomBytes(48).toString("base64");
    await kv.put(
      certKeys.tickets,
      createCodec("tickets", ticketKeysSchema).encode({ key, rotatedAt: Date.now() }),
    );
    await waitUntil(
      async () => resumes(tlsPort(other), await sessionFrom(tlsPort())),
      "a session from A resumes on B",
      5000,
      50,
    );
    // And the other way round, for a name served from an SNI-picked certificate and without SNI.
    expect(await resumes(tlsPort(), await sessionFrom(tlsPort(other)))).toBe(true);
    expect(await resumes(tlsPort(other), await sessionFrom(tlsPort(), undefined), undefined)).toBe(true);
    const metrics = (await get(other.admin, "admin", { path: "/metrics" })).body;
    expect(metrics).toMatch(/signalbox_router_tls_handshakes_total\{result="resumed"\} [1-9]/);
  });
});

interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  fingerprint: string;
  reusedSocket: boolean;
}

function httpsGet(agent: Agent, host: string, path: string): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port: tlsPort(), servername: host, path, agent, headers: { host } },
      (res) => {
        // Read now: a kept-alive socket goes back to the agent at the end.
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            fingerprint,
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** A TLS session ticket from one full handshake on `port`. */
function sessionFrom(port: number, servername: string | undefined = "shop.test"): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ...(servername !== undefined && { servername }),
      ca: pki.caPem,
      rejectUnauthorized: false,
    });
    socket.once("session", (session: Buffer) => {
      resolve(session);
      socket.end();
    });
    socket.once("error", reject);
  });
}

/** True when a handshake on `port` offering `session` resumed it. */
function resumes(
  port: number,
  session: Buffer,
  servername: string | undefined = "shop.test",
): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: "127.0.0.1",
      port,
      ...(servername !== undefined && { servername }),
      session,
      ca: pki.caPem,
      rejectUnauthorized: false,
    });
    socket.once("secureConnect", () => {
      resolve(socket.isSessionReused());
      socket.end();
    });
    socket.once("error", reject);
  });
}
