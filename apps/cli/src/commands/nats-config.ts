// `signalbox nats-config --out DIR`: writes nats.conf (JetStream, one user per role with
// its permissions) and DIR/<role>.env per role, each 0600; `--rotate ROLE` gives one role a
// new password and keeps the rest. The files' contents come from @signalbox/bus.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  credentialsFileName,
  isRole,
  NatsConfigError,
  newPassword,
  parseCredentials,
  ROLES,
  type Role,
  renderCredentials,
  renderNatsAuthFiles,
  replaceRolePassword,
} from "@signalbox/bus";
import { parseHostPort } from "@signalbox/service";
import type { Command } from "commander";
import { type CommandContext, print } from "../cli-context.js";
import { UsageError } from "../errors.js";

interface NatsConfigOptions {
  out: string;
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  storeDir?: string;
  rotate?: string;
}

export function registerNatsConfig(program: Command, ctx: CommandContext): void {
  program
    .command("nats-config")
    .description(
      "write a nats.conf with one NATS user per role (watcher, router, health, agent, admin) and DIR/<role>.env credentials",
    )
    .requiredOption("--out <dir>", "directory to write nats.conf and <role>.env into (created 0700)")
    .option("--listen <host:port>", "nats-server's client listener", "0.0.0.0:4222")
    .option(
      "--tls-cert <file>",
      "PEM certificate for client TLS (path as nats-server sees it; with --tls-key)",
    )
    .option("--tls-key <file>", "PEM private key for client TLS (with --tls-cert)")
    .option("--store-dir <dir>", "JetStream store directory (default: nats-server's own or its -sd flag)")
    .option("--rotate <role>", "only give ROLE a new password in an existing DIR; the others keep theirs")
    .addHelpText(
      "after",
      "\nFiles are written 0600. Start nats-server -c DIR/nats.conf and give each service its role's\n" +
        "file (NATS_USER, NATS_PASSWORD). After --rotate, run nats-server --signal reload (it closes\n" +
        "that role's connections) and restart that role's processes with the new file.",
    )
    .action((options: NatsConfigOptions, command: Command) => {
      const written = options.rotate === undefined ? writeAll(options) : rotate(options, options.rotate);
      print(
        ctx,
        command,
        { dir: options.out, files: written },
        () => `wrote ${written.map((file) => join(options.out, file)).join(", ")}`,
      );
    });
}

function writeAll(options: NatsConfigOptions): string[] {
  if (parseHostPort(options.listen) === undefined) {
    throw new UsageError(`--listen ${JSON.stringify(options.listen)} is not host:port`);
  }
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  if (existsSync(join(options.out, "nats.conf"))) {
    throw new UsageError(
      `${join(options.out, "nats.conf")} exists: rotate one role with --rotate ROLE, or write to a new directory`,
    );
  }
  const passwords = Object.fromEntries(ROLES.map((role) => [role, newPassword(randomBytes)])) as Record<
    Role,
    string
  >;
  const files = renderNatsAuthFiles({
    passwords,
    listen: options.listen,
    ...(options.tlsCert !== undefined && options.tlsKey !== undefined
      ? { tls: { cert: options.tlsCert, key: options.tlsKey } }
      : {}),
    ...(options.storeDir !== undefined && { storeDir: options.storeDir }),
    generatedAt: new Date(),
  });
  mkdirSync(options.out, { recursive: true, mode: 0o700 });
  for (const [name, text] of files) writePrivate(join(options.out, name), text);
  return [...files.keys()];
}

function rotate(options: NatsConfigOptions, roleText: string): string[] {
  if (options.tlsCert !== undefined || options.tlsKey !== undefined || options.storeDir !== undefined) {
    throw new UsageError(
      "--rotate changes one password and keeps nats.conf's other settings: edit the file for those",
    );
  }
  const dir = options.out;
  if (!isRole(roleText)) throw new UsageError(`--rotate ${roleText}: expected one of ${ROLES.join(", ")}`);
  const confPath = join(dir, "nats.conf");
  const credentialsPath = join(dir, credentialsFileName(roleText));
  const conf = readExisting(confPath);
  // The role's file must be one nats-config wrote: a typo in --out fails before anything changes.
  usable(() => parseCredentials(roleText, readExisting(credentialsPath)));
  const password = newPassword(randomBytes);
  const rotated = usable(() => replaceRolePassword(conf, roleText, password));
  writePrivate(confPath, rotated);
  writePrivate(credentialsPath, renderCredentials(roleText, password));
  return ["nats.conf", credentialsFileName(roleText)];
}

function readExisting(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `cannot read ${path} (${(error as Error).message}); write it first without --rotate`,
    );
  }
}

function usable<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof NatsConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** Written beside, then renamed over: a reader never sees half a file, and no one else can read it. */
function writePrivate(path: string, text: string): void {
  const partial = `${path}.partial`;
  writeFileSync(partial, text, { mode: 0o600 });
  renameSync(partial, path);
}
