// Proxy throughput and latency (issue 3): the direct backend, the Signalbox router, and nginx and
// HAProxy when installed, measured in interleaved rounds in one run; prints the median requests per
// second, p50 and p99 of each and the ratios to direct.
//
// How to run: `npm run build` at the root, then `node bench/proxy/run.mjs [--rounds 5] [--seconds 5]
// [--connections 64] [--json] [--loader undici] [--only router,router-log]`. The router runs
// twice: `router` (access log off) and `router-log` (every request logged to a file), for the
// log's cost (BENCH_ACCESS_LOG=/dev/null: without the file); `--only` keeps direct and the
// named targets. Load comes from wrk when it is on PATH
// (and no `--loader undici`), else from load.mjs (undici, in a child process). nginx and HAProxy are used
// when on PATH, one worker / one thread each with keep-alive to the backend; `nginx-plain` is nginx's
// proxy_pass as it comes (no upstream keep-alive), for reference. Ratios "x nginx" are against the
// keep-alive nginx, "x http-proxy" against the http-proxy package (a root devDependency, for this
// bench only) with a keep-alive agent. The bench installs nothing.
//
// `--https`: the same measurement with TLS terminated by each proxy, keep-alive on both sides, one
// certificate (P-256, from a throw-away openssl CA) for all: the router (ROUTER_TLS_LISTEN, the pair
// in signalbox-certs), nginx (one worker), HAProxy (one thread) and Caddy (GOMAXPROCS=1, so every
// proxy has one core), each proxying to the same plain backend. Needs wrk (for https); ratios are
// against nginx and Caddy.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = parseArgs(process.argv.slice(2));
const ROUNDS = Number(args.rounds ?? 5);
const SECONDS = Number(args.seconds ?? 5);
const CONNECTIONS = Number(args.connections ?? 64);
const HOST = "bench.test";
const USE_WRK = args.loader !== "undici" && which("wrk") !== undefined;
const HTTPS = args.https === true;
const children = [];
const tmp = mkdtempSync(join(tmpdir(), "sb-bench-proxy-"));

function parseArgs(list) {
  const out = {};
  for (let i = 0; i < list.length; i++) {
    const key = list[i]?.replace(/^--/, "");
    if (key === "json" || key === "https") out[key] = true;
    else out[key] = list[++i];
  }
  return out;
}

function which(name) {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/** Spawns a node script that prints its port on its first stdout line. */
function startNode(script, extra = []) {
  const child = spawn(process.execPath, [join(here, script), ...extra], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const line = text.split("\n")[0];
      if (text.includes("\n")) resolve(Number(line));
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, scheme = "http") {
  for (let i = 0; i < 100; i++) {
    const ok = await (scheme === "https"
      ? tlsAnswers(port)
      : fetch(`http://127.0.0.1:${port}/`, { headers: { host: HOST } }).then(
          (r) => r.arrayBuffer().then(() => r.ok),
          () => false,
        ));
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing answers on port ${port}`);
}

/**
 * nginx with one worker. `keepAlive` true: HTTP/1.1 and pooled connections to the backend (the tuned
 * setup); false: proxy_pass as it comes (HTTP/1.0, a new backend connection per request).
 */
async function startNginx(binary, backendPort, keepAlive) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmp, "nginx-"));
  const conf = join(dir, "nginx.conf");
  const upstream = keepAlive
    ? `upstream backend { server 127.0.0.1:${backendPort}; keepalive 128; }`
    : `upstream backend { server 127.0.0.1:${backendPort}; }`;
  const proxy = keepAlive
    ? `proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host;`
    : "proxy_pass http://backend;";
  writeFileSync(
    conf,
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  ${upstream}
  server {
    listen 127.0.0.1:${port};
    location / { ${proxy} }
  }
}
`,
  );
  children.push(spawn(binary, ["-c", conf, "-p", dir], { stdio: "inherit" }));
  await waitForPort(port);
  return port;
}

async function startHaproxy(binary, backendPort) {
  const port = await freePort();
  const conf = join(tmp, "haproxy.cfg");
  writeFileSync(
    conf,
    `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  http-reuse always
  server b1 127.0.0.1:${backendPort}
`,
  );
  children.push(spawn(binary, ["-f", conf, "-db"], { stdio: ["ignore", "ignore", "inherit"] }));
  await waitForPort(port);
  return port;
}

/** True once a TLS client gets a 200 for `/` (the test CA is not trusted here: only the answer counts). */
async function tlsAnswers(port) {
  const { request } = await import("node:https");
  return new Promise((resolve) => {
    const req = request(
      { host: "127.0.0.1", port, servername: HOST, headers: { host: HOST }, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** nginx, one worker, terminating TLS with `tls` ({cert, key}) and keep-alive to the backend. */
async function startNginxTls(binary, backendPort, tls) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmp, "nginx-tls-"));
  const conf = join(dir, "nginx.conf");
  writeFileSync(
    conf,
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir}; uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${tls.cert}; ssl_certificate_key ${tls.key};
    ssl_protocols TLSv1.2 TLSv1.3; ssl_session_cache shared:SSL:10m;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }
  }
}
`,
  );
  children.push(spawn(binary, ["-c", conf, "-p", dir], { stdio: "inherit" }));
  await waitForPort(port, "https");
  return port;
}

async function startHaproxyTls(binary, backendPort, tls) {
  const port = await freePort();
  const pem = join(tmp, "haproxy.pem");
  writeFileSync(pem, readFileSync(tls.cert, "utf8") + readFileSync(tls.key, "utf8"));
  const conf = join(tmp, "haproxy-tls.cfg");
  writeFileSync(
    conf,
    `global
  nbthread 1
  maxconn 4096
  ssl-default-bind-options ssl-min-ver TLSv1.2
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
frontend fe
  bind 127.0.0.1:${port} ssl crt ${pem} alpn http/1.1
  default_backend be
backend be
  http-reuse always
  server b1 127.0.0.1:${backendPort}
`,
  );
  children.push(spawn(binary, ["-f", conf, "-db"], { stdio: ["ignore", "ignore", "inherit"] }));
  await waitForPort(port, "https");
  return port;
}

/** Caddy with one core (GOMAXPROCS=1), the same certificate, reverse_proxy with its default keep-alive. */
async function startCaddy(binary, backendPort, tls) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmp, "caddy-"));
  const conf = join(dir, "Caddyfile");
  writeFileSync(
    conf,
    `{
  admin off
  auto_https off
  default_sni ${HOST}
  storage file_system ${dir}
}
https://:${port} {
  bind 127.0.0.1
  tls ${tls.cert} ${tls.key}
  reverse_proxy 127.0.0.1:${backendPort}
}
`,
  );
  children.push(
    spawn(binary, ["run", "--config", conf, "--adapter", "caddyfile"], {
      stdio: ["ignore", "ignore", "ignore"],
      env: { ...process.env, GOMAXPROCS: "1", HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    }),
  );
  await waitForPort(port, "https");
  return port;
}

/** One measurement: {rps, p50Ms, p99Ms}. */
function measure(port, seconds, scheme = "http") {
  const url = `${scheme}://127.0.0.1:${port}/`;
  if (USE_WRK) {
    const run = spawnSync(
      "wrk",
      ["-t", "2", "-c", String(CONNECTIONS), "-d", `${seconds}s`, "--latency", "-H", `Host: ${HOST}`, url],
      { encoding: "utf8" },
    );
    return parseWrk(run.stdout);
  }
  const run = spawnSync(
    process.execPath,
    [join(here, "load.mjs"), url, String(CONNECTIONS), String(seconds * 1000), HOST],
    {
      encoding: "utf8",
    },
  );
  return JSON.parse(run.stdout);
}

function parseWrk(text) {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1]);
  const toMs = (value, unit) => Number(value) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);
  const p = (q) => {
    const m = new RegExp(`\\s${q}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    return m ? toMs(m[1], m[2]) : Number.NaN;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? "0";
  return { rps, p50Ms: p(50), p99Ms: p(99), errors: Number(errors) };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The HTTPS section: each proxy terminating TLS with one certificate, in interleaved rounds. */
async function mainHttps() {
  if (!USE_WRK) throw new Error("--https needs wrk on PATH (Debian: apt-get install wrk)");
  const { createTestPki } = await import("@signalbox/tls/testing");
  const pki = createTestPki();
  const issued = pki.issue({ names: [HOST, "127.0.0.1"], days: 30 });
  const tls = { cert: issued.certPath, key: issued.keyPath };
  try {
    const backendPort = await startNode("backend.mjs");
    // router.mjs serves the pair named in its environment (children inherit process.env).
    process.env.BENCH_TLS_CERT = tls.cert;
    process.env.BENCH_TLS_KEY = tls.key;
    const targets = [{ name: "router", port: await startNode("router.mjs", [`127.0.0.1:${backendPort}`]) }];
    for (const [name, start] of [
      ["nginx", startNginxTls],
      ["haproxy", startHaproxyTls],
      ["caddy", startCaddy],
    ]) {
      const binary = which(name);
      if (binary) targets.push({ name, port: await start(binary, backendPort, tls) });
    }
    console.error(
      `load: wrk -t2 over TLS (keep-alive), ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS}s per target`,
    );
    const summary = await rounds(targets, "https");
    const nginxRow = summary.find((s) => s.name === "nginx");
    const caddyRow = summary.find((s) => s.name === "caddy");
    if (args.json)
      console.log(
        JSON.stringify(
          { https: true, connections: CONNECTIONS, rounds: ROUNDS, seconds: SECONDS, summary },
          null,
          2,
        ),
      );
    else {
      console.log(
        `\nHTTPS ${"target".padEnd(8)} ${"rps".padStart(9)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}${nginxRow ? "  x nginx" : ""}${caddyRow ? "  x caddy" : ""}  errors`,
      );
      for (const row of summary) {
        const vs = (other) => (other ? (row.rps / other.rps).toFixed(2).padStart(9) : "");
        console.log(
          `      ${row.name.padEnd(8)} ${row.rps.toFixed(0).padStart(9)} ${row.p50Ms.toFixed(2).padStart(8)} ${row.p99Ms.toFixed(2).padStart(8)}${vs(nginxRow)}${vs(caddyRow)}  ${row.errors}`,
        );
      }
    }
  } finally {
    pki.remove();
  }
}

/** Warm-up, then ROUNDS interleaved measurements per target; the medians of each. */
async function rounds(targets, scheme) {
  for (const target of targets) measure(target.port, 1, scheme); // warm-up (JIT, pools)
  const results = new Map(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no target always runs right after the same one.
    const order = targets.map((_, i) => targets[(i + round) % targets.length]);
    for (const target of order) {
      const r = measure(target.port, SECONDS, scheme);
      results.get(target.name).push(r);
      console.error(
        `round ${round + 1} ${target.name}: ${r.rps.toFixed(0)} rps p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms`,
      );
    }
  }
  return targets.map(({ name }) => {
    const rs = results.get(name);
    return {
      name,
      rps: median(rs.map((r) => r.rps)),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      errors: rs.reduce((n, r) => n + (r.errors ?? 0), 0),
    };
  });
}

async function main() {
  if (HTTPS) return mainHttps();
  const backendPort = await startNode("backend.mjs");
  const targets = [{ name: "direct", port: backendPort }];
  targets.push({ name: "router", port: await startNode("router.mjs", [`127.0.0.1:${backendPort}`]) });
  // The same router writing its access log (every request, to a file): the log's cost, same run.
  const accessLog = process.env.BENCH_ACCESS_LOG ?? join(tmp, "access.log");
  targets.push({
    name: "router-log",
    port: await startNode("router.mjs", [`127.0.0.1:${backendPort}`, accessLog]),
  });
  targets.push({ name: "http-proxy", port: await startNode("http-proxy.mjs", [`127.0.0.1:${backendPort}`]) });
  const nginx = which("nginx");
  if (nginx) {
    targets.push({ name: "nginx", port: await startNginx(nginx, backendPort, true) });
    targets.push({ name: "nginx-plain", port: await startNginx(nginx, backendPort, false) });
  }
  const haproxy = which("haproxy");
  if (haproxy) targets.push({ name: "haproxy", port: await startHaproxy(haproxy, backendPort) });
  // `--only router,router-log`: those targets and direct (the access log's cost with less noise).
  if (args.only !== undefined) {
    const keep = new Set(["direct", ...String(args.only).split(",")]);
    for (let i = targets.length - 1; i >= 0; i--) if (!keep.has(targets[i].name)) targets.splice(i, 1);
  }
  const loader = USE_WRK ? "wrk -t2" : "load.mjs (undici)";
  console.error(`load: ${loader}, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS}s per target`);
  const summary = await rounds(targets, "http");
  const direct = summary[0];
  const nginxRow = summary.find((s) => s.name === "nginx");
  const httpProxyRow = summary.find((s) => s.name === "http-proxy");
  for (const row of summary) {
    row.rpsVsDirect = row.rps / direct.rps;
    row.rpsVsHttpProxy = httpProxyRow === undefined ? Number.NaN : row.rps / httpProxyRow.rps;
    if (nginxRow) {
      row.rpsVsNginx = row.rps / nginxRow.rps;
      row.p99VsNginx = row.p99Ms / nginxRow.p99Ms;
    }
  }
  const routerRow = summary.find((s) => s.name === "router");
  const loggingRow = summary.find((s) => s.name === "router-log");
  const accessLogCost = {
    rpsRatio: loggingRow.rps / routerRow.rps,
    p99Ratio: loggingRow.p99Ms / routerRow.p99Ms,
  };
  console.error(
    `access log on vs off: ${accessLogCost.rpsRatio.toFixed(3)}x rps, ${accessLogCost.p99Ratio.toFixed(2)}x p99`,
  );
  if (args.json)
    console.log(
      JSON.stringify(
        { loader, connections: CONNECTIONS, rounds: ROUNDS, seconds: SECONDS, summary, accessLogCost },
        null,
        2,
      ),
    );
  else {
    console.log(
      `\n${"target".padEnd(12)} ${"rps".padStart(9)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"x direct".padStart(9)}${"x h-proxy".padStart(10)}${nginxRow ? `${"x nginx".padStart(9)}${"p99/nginx".padStart(10)}` : ""}`,
    );
    for (const row of summary) {
      const vsNginx = nginxRow
        ? `${row.rpsVsNginx.toFixed(2).padStart(9)}${row.p99VsNginx.toFixed(2).padStart(10)}`
        : "";
      console.log(
        `${row.name.padEnd(12)} ${row.rps.toFixed(0).padStart(9)} ${row.p50Ms.toFixed(2).padStart(8)} ${row.p99Ms.toFixed(2).padStart(8)} ${row.rpsVsDirect.toFixed(2).padStart(9)}${row.rpsVsHttpProxy.toFixed(2).padStart(10)}${vsNginx}`,
      );
    }
  }
}

try {
  await main();
} finally {
  for (const child of children) child.kill("SIGTERM");
  await new Promise((r) => setTimeout(r, 300));
  rmSync(tmp, { recursive: true, force: true });
}
