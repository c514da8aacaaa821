// The http-proxy package as a reference proxy (the "1.5x http-proxy" target): one
// keep-alive agent to the backend, X-Forwarded-* added, as a fair minimal Node proxy.
// Prints its port on stdout. Usage: node bench/proxy/http-proxy.mjs <backend host:port>
import { Agent, createServer } from "node:http";
import httpProxy from "http-proxy";

const proxy = httpProxy.createProxyServer({
  target: `http://${process.argv[2]}`,
  agent: new Agent({ keepAlive: true, maxSockets: 128 }),
  xfwd: true,
});
proxy.on("error", (_error, _req, res) => {
  if ("writeHead" in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const server = createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
