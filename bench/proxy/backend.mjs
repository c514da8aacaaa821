// The bench's backend: a node:http server answering a small fixed body with keep-alive; prints its
// port on stdout. Run as a child process so it has an event loop of its own.
import { createServer } from "node:http";

const body = Buffer.from("hello from the signalbox bench backend\n");
const server = createServer((req, res) => {
  req.resume();
  res.writeHead(200, { "content-type": "text/plain", "content-length": body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
process.on("SIGTERM", () => process.exit(0));
