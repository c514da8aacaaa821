// `signalbox cert` as a child process against a private NATS, a watcher and a TLS router
// (in-process): refusals exit 2 and change nothing; an added certificate is listed without its
// key, with the endpoints it covers, and served by the router; remove takes it away again.
// Needs `npx nx run-many -t build`.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type PeerCertificate } from "node:tls";
import { fileURLToPath } from "node:url";
import { certKeys, connectNats, openCertsBucket, ticketKeysSchema } from "@signalbox/bus";
import { captureLogger, type NatsServer, startNatsServer, waitUntil } from "@signalbox/bus/testing";
import { loadConfig as loadRouterConfig, type RunningRouter, start as startRouter } from "@signalbox/router";
import { createTestPki, type TestPki } from "@signalbox/tls/testing";
import { loadConfig as loadWatcherConfig, start as startWatcher, type Watcher } from "@signalbox/watcher";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));

let nats: NatsServer;
let dir: string;
let pki: TestPki;
let watcher: Watcher | undefined;
let router: RunningRouter | undefined;
let nc: Awaited<ReturnType<typeof connectNats>>;
let kv: Awaited<ReturnType<typeof openCertsBucket>>;
/** The watcher's and the router's log lines: a key must never be in them. */
let logs: ReturnType<typeof captureLogger>;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function signalbox(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? "", NATS_URL: nats.url },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function certKeysInKv(): Promise<string[]> {
  const found: string[] = [];
  for await (const key of await kv.keys()) if (key !== certKeys.tickets) found.push(key);
  return found.sort();
}

function peerCertificate(servername: string): Promise<PeerCertificate> {
  const port = router?.tlsAddresses[0]?.port;
  return new Promise((resolve, reject) => {
    // Which certificate answers is the question here, not whether it fits the name.
    const socket = connect({
      host: "127.0.0.1",
      port,
      servername,
      ca: pki.caPem,
      checkServerIdentity: () => undefined,
    });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.once("error", reject);
  });
}

beforeAll(async () => {
  nats = await startNatsServer();
  dir = await mkdtemp(join(tmpdir(), "signalbox-cert-"));
  pki = createTestPki();
  const routesFile = join(dir, "routes.yaml");
  await writeFile(
    routesFile,
    [
      "backends:",
      '  - { id: web, service: web, address: "127.0.0.1:9", labels: { app: web } }',
      "endpoints:",
      '  - { pattern: shop.test, routes: [{ selector: "app=web" }] }',
      '  - { pattern: api.wild.test/v1, routes: [{ selector: "app=web" }] }',
      '  - { pattern: other.test, tls: true, routes: [{ selector: "app=web" }] }',
    ].join("\n"),
  );
  logs = captureLogger("debug");
  const logger = logs.logger;
  watcher = await startWatcher(
    loadWatcherConfig({
      NATS_URL: nats.url,
      ROUTES_FILE: routesFile,
      WATCHER_ADMIN_LISTEN: "127.0.0.1:0",
      WATCHER_DEBOUNCE_MS: "5",
    }),
    { logger },
  );
  router = await startRouter(
    loadRouterConfig({
      NATS_URL: nats.url,
      ROUTER_LISTEN: "127.0.0.1:0",
      ROUTER_TLS_LISTEN: "127.0.0.1:0",
      ROUTER_ADMIN_LISTEN: "127.0.0.1:0",
      DRAIN_DELAY_MS: "0",
      DRAIN_TIMEOUT_MS: "1000",
    }),
    { logger },
  );
  nc = await connectNats({ servers: nats.url, name: "test-cert-reader", logger });
  kv = await openCertsBucket(nc);
  await waitUntil(() => (watcher?.builder.current()?.endpoints.length ?? 0) === 3, "the routes file's table");
}, 60_000);

afterAll(async () => {
  await nc?.close();
  await router?.stop();
  await watcher?.stop();
  await nats?.stop();
  pki?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("signalbox cert", () => {
  it("refuses a mismatched key, an expired certificate and garbage with exit 2, and changes nothing", async () => {
    const shop = pki.issue({ names: ["shop.test"] });
    const other = pki.issue({ names: ["other.test"] });
    const expired = pki.issue({ names: ["shop.test"], expired: true });
    const garbage = pki.writeFile("garbage.pem", "not a certificate\n");

    const mismatched = await signalbox("cert", "add", shop.certPath, other.keyPath);
    expect(mismatched).toEqual({
      code: 2,
      stdout: "",
      stderr: `signalbox: ${shop.certPath}: the private key does not match the certificate (subject CN=shop.test); nothing changed\n`,
    });
    const old = await signalbox("cert", "add", expired.certPath, expired.keyPath);
    expect(old.code).toBe(2);
    expect(old.stderr).toBe(
      `signalbox: ${expired.certPath}: certificate 1 (subject CN=shop.test) expired at 2020-01-02T00:00:00.000Z; nothing changed\n`,
    );
    const junk = await signalbox("cert", "add", garbage, shop.keyPath);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toBe(
      `signalbox: ${garbage}: the certificate file holds no PEM certificate (BEGIN CERTIFICATE); nothing changed\n`,
    );
    const missing = await signalbox("cert", "add", join(dir, "nope.pem"), shop.keyPath);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^signalbox: cannot read the certificate file .*nope\.pem: ENOENT/);
    const device = await signalbox("cert", "add", "/dev/zero", shop.keyPath);
    expect(device).toMatchObject({
      code: 2,
      stderr: "signalbox: the certificate file /dev/zero is not a regular file\n",
    });
    const badId = await signalbox("cert", "add", shop.certPath, shop.keyPath, "--id", "../x");
    expect(badId.code).toBe(2);

    expect(await certKeysInKv()).toEqual([]);
    const listed = await signalbox("cert", "list", "--json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ certificates: [] });
  });

  it("adds a certificate that every router then serves, lists it without its key, and removes it", async () => {
    const shop = pki.issue({ names: ["shop.test"] });
    const wild = pki.issue({ names: ["*.wild.test"], viaIntermediate: true });

    const added = await signalbox("cert", "add", shop.certPath, shop.keyPath, "--default");
    expect(added).toMatchObject({ code: 0, stderr: "" });
    expect(added.stdout).toMatch(
      /^added certificate shop-test \(default\)\nnames shop\.test; expires 20\d\d-/,
    );
    const wildAdded = await signalbox("cert", "add", wild.certPath, wild.keyPath, "--id", "wild", "--json");
    expect(wildAdded.code).toBe(0);
    expect(JSON.parse(wildAdded.stdout)).toMatchObject({
      id: "wild",
      names: ["*.wild.test"],
      default: false,
      replaced: false,
    });
    expect(await certKeysInKv()).toEqual(["cert.shop-test", "cert.wild", "default"]);

    const listed = await signalbox("cert", "list", "--json");
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toMatch(/PRIVATE KEY/);
    const { certificates } = JSON.parse(listed.stdout) as { certificates: Record<string, unknown>[] };
    expect(certificates).toHaveLength(2);
    expect(certificates[0]).toMatchObject({
      id: "shop-test",
      names: ["shop.test"],
      issuer: "CN=Signalbox Test Root CA",
      source: "api",
      default: true,
      endpoints: ["shop.test"],
    });
    expect(certificates[1]).toMatchObject({ id: "wild", default: false, endpoints: ["api.wild.test/v1"] });
    expect(Object.keys(certificates[0] ?? {})).not.toContain("keyPem");
    const table = await signalbox("cert", "list");
    expect(table.stdout.split("\n")[0]).toMatch(
      /^ID\s+NAMES\s+ISSUER\s+NOT AFTER\s+SOURCE\s+DEFAULT\s+ENDPOINTS$/,
    );
    expect(table.stdout).toMatch(
      /shop-test\s+shop\.test\s+CN=Signalbox Test Root CA\s+20\S+\s+api\s+yes\s+shop\.test/,
    );

    await waitUntil(
      async () => (await peerCertificate("api.wild.test")).subject.CN === "*.wild.test",
      "router serves wild",
    );
    expect((await peerCertificate("shop.test")).subject.CN).toBe("shop.test");
    expect((await peerCertificate("other.test")).subject.CN).toBe("shop.test");

    // query says which certificate serves each endpoint, and warns of the TLS endpoint none covers.
    const query = await signalbox("query", "--json");
    expect(query.code).toBe(0);
    const queried = JSON.parse(query.stdout) as { endpoints: Record<string, unknown>[]; warnings: string[] };
    expect(queried.endpoints.map((e) => [e.pattern, e.certificate, e.tls])).toEqual([
      ["api.wild.test/v1", "wild", undefined],
      ["other.test", "shop-test", true],
      ["shop.test", "shop-test", undefined],
    ]);
    expect(queried.warnings).toEqual([
      "endpoint other.test asks for TLS but no certificate covers other.test (signalbox cert add)",
    ]);
    const readable = await signalbox("query");
    expect(readable.stdout).toMatch(/ENDPOINT\s+CERTIFICATE\s+TLS REQUIRED\n/);
    expect(readable.stdout).toMatch(/other\.test\s+shop-test\s+yes/);

    const removed = await signalbox("cert", "remove", "wild");
    expect(removed).toEqual({ code: 0, stdout: "removed wild\n", stderr: "" });
    await waitUntil(
      async () => (await peerCertificate("api.wild.test")).subject.CN === "shop.test",
      "wild gone",
    );
    const again = await signalbox("cert", "remove", "wild");
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('signalbox: no certificate "wild" (signalbox cert list shows them)\n');
  });

  it("never logs a private key, at any level", () => {
    expect(logs.find("certificate added").length).toBeGreaterThan(0);
    expect(JSON.stringify(logs.lines)).not.toMatch(/PRIVATE KEY/);
  });

  it("finds the shared ticket key the watcher wrote", async () => {
    await waitUntil(async () => (await kv.get(certKeys.tickets)) !== null, "tickets");
    const entry = await kv.get(certKeys.tickets);
    const parsed = ticketKeysSchema.parse(JSON.parse(new TextDecoder().decode(entry?.value)));
    expect(Buffer.from(parsed.key, "base64")).toHaveLength(48);
  });
});
