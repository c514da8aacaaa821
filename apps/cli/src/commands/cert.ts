// `signalbox cert add|list|remove`: TLS certificates in signalbox-certs. `add` checks the files
// here first (key matches, chain in order, not expired) so a bad pair exits 2 before anything is
// sent; the watcher checks again. `list` never shows a key.
import { readFileSync, statSync } from "node:fs";
import { CERT_ID, MAX_PEM_CHARS } from "@signalbox/bus";
import { checkCertificate } from "@signalbox/tls";
import type { Command } from "commander";
import { type CommandContext, callApi, print } from "../cli-context.js";
import { UsageError } from "../errors.js";
import { formatTable, formatTime } from "../output/table.js";

interface AddOptions {
  id?: string;
  default?: boolean;
}

export function registerCert(program: Command, ctx: CommandContext): void {
  const cert = program.command("cert").description("TLS certificates the routers serve: add, list, remove");

  cert
    .command("add")
    .description("check a certificate chain and its key, then store them for every router")
    .argument("<cert.pem>", "the certificate, then its intermediates (PEM)")
    .argument("<key.pem>", "its private key (PEM, unencrypted)")
    .option("--id <id>", "name it (lower-case letters, digits, - and _; default: from its first name)")
    .option("--default", "serve it when SNI names nothing a certificate covers")
    .action(async (certPath: string, keyPath: string, options: AddOptions, command: Command) => {
      const chainPem = readPem(certPath, "certificate");
      const keyPem = readPem(keyPath, "key");
      const check = checkCertificate({ chainPem, keyPem, now: Date.now() });
      if (!check.ok) throw new UsageError(`${certPath}: ${check.reason}; nothing changed`);
      if (options.id !== undefined && !CERT_ID.test(options.id)) {
        throw new UsageError(`--id "${options.id}" is not lower-case letters, digits, - and _ (at most 63)`);
      }
      const result = await callApi(ctx, command, "cert.add", {
        chainPem,
        keyPem,
        ...(options.id !== undefined && { id: options.id }),
        ...(options.default === true && { default: true }),
      });
      print(ctx, command, result, () =>
        [
          `${result.replaced ? "replaced" : "added"} certificate ${result.id}${result.default ? " (default)" : ""}`,
          `names ${result.names.join(", ")}; expires ${formatTime(result.notAfter)}`,
        ].join("\n"),
      );
    });

  cert
    .command("list")
    .description(
      "list certificates: names, issuer, expiry, source and the endpoints each covers (never keys)",
    )
    .action(async (_options: unknown, command: Command) => {
      const { certificates } = await callApi(ctx, command, "cert.list", {});
      print(ctx, command, { certificates }, () =>
        formatTable(
          ["ID", "NAMES", "ISSUER", "NOT AFTER", "SOURCE", "DEFAULT", "ENDPOINTS"],
          certificates.map((c) => [
            c.id,
            c.names.join(","),
            c.issuer,
            formatTime(c.notAfter),
            c.source,
            c.default ? "yes" : "no",
            c.endpoints.length > 0 ? c.endpoints.join(",") : "-",
          ]),
        ),
      );
    });

  cert
    .command("remove")
    .description("remove a certificate; routers stop serving it at their next handshake")
    .argument("<id>", "certificate id (signalbox cert list shows them)")
    .action(async (id: string, _options: unknown, command: Command) => {
      const result = await callApi(ctx, command, "cert.remove", { id });
      print(
        ctx,
        command,
        result,
        () => `removed ${result.id}${result.wasDefault ? " (was the default)" : ""}`,
      );
    });
}

/** The file's text; a missing, unreadable, special or oversized file is a UsageError naming it. */
function readPem(path: string, what: string): string {
  try {
    // Checked before reading: /dev/zero or a huge file is never read into memory.
    const stat = statSync(path);
    if (!stat.isFile()) throw new UsageError(`the ${what} file ${path} is not a regular file`);
    if (stat.size > MAX_PEM_CHARS) {
      throw new UsageError(`the ${what} file ${path} is over ${MAX_PEM_CHARS} bytes: not a PEM ${what}`);
    }
    return readFileSync(path, "utf8");
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read the ${what} file ${path}: ${(error as Error).message}`);
  }
}
