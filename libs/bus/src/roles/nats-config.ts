// What `signalbox nats-config` writes: a nats.conf with JetStream and one user per role
// (bcrypt-hashed password, the role's permissions), and one `<role>.env` per role with
// NATS_USER/NATS_PASSWORD. Pure: randomness and hashing cost come from the caller.

import bcrypt from "bcryptjs";
import { NatsConfigError } from "../errors.js";
import { ROLES, type Role, rolePermissions } from "./role-permissions.js";

/** bcrypt cost of the stored hashes: nats-server checks one per connect (about 0.1 s). */
export const DEFAULT_BCRYPT_COST = 11;
/** Random bytes per password: 192 bits, written base64url (32 characters, shell- and conf-safe). */
const PASSWORD_BYTES = 24;
const PASSWORD_SHAPE = /^[A-Za-z0-9_-]{16,}$/;

export interface NatsConfigInput {
  /** Every role's clear password (written to `<role>.env`, hashed into nats.conf). */
  passwords: Readonly<Record<Role, string>>;
  /** nats-server's client listener, `host:port` (default 0.0.0.0:4222). */
  listen?: string;
  /** TLS for clients: PEM certificate and key paths as nats-server will see them. */
  tls?: { cert: string; key: string };
  /** JetStream's store directory (default: nats-server's own, or its `-sd` flag). */
  storeDir?: string;
  bcryptCost?: number;
  /** Written into the header comment. */
  generatedAt: Date;
}

/** A new password from `randomBytes(PASSWORD_BYTES)` (crypto.randomBytes in production). */
export function newPassword(randomBytes: (size: number) => Buffer): string {
  return randomBytes(PASSWORD_BYTES).toString("base64url");
}

/** The file name of a role's credentials in the output directory. */
export function credentialsFileName(role: Role): string {
  return `${role}.env`;
}

/** nats.conf and every `<role>.env`, by file name. */
export function renderNatsAuthFiles(input: NatsConfigInput): Map<string, string> {
  const files = new Map<string, string>([["nats.conf", renderNatsConfig(input)]]);
  for (const role of ROLES)
    files.set(credentialsFileName(role), renderCredentials(role, input.passwords[role]));
  return files;
}

/** nats.conf: strings JSON-quoted (so `$` in hashes and subjects is never a variable). */
export function renderNatsConfig(input: NatsConfigInput): string {
  const cost = input.bcryptCost ?? DEFAULT_BCRYPT_COST;
  const q = (text: string) => JSON.stringify(text);
  const list = (items: readonly string[]) => `[${items.map(q).join(", ")}]`;
  const lines = [
    `# Signalbox NATS server configuration, written by \`signalbox nats-config\` at ${input.generatedAt.toISOString()}.`,
    "# One user per role; passwords are bcrypt hashes (the clear ones are in <role>.env beside this file).",
    "# Rotate one role: signalbox nats-config --out <dir> --rotate <role>, then nats-server --signal reload.",
    `listen: ${q(input.listen ?? "0.0.0.0:4222")}`,
    input.storeDir === undefined ? "jetstream {}" : `jetstream { store_dir: ${q(input.storeDir)} }`,
  ];
  if (input.tls) {
    lines.push(`tls { cert_file: ${q(input.tls.cert)}, key_file: ${q(input.tls.key)} }`);
  }
  lines.push("authorization {", "  users = [");
  for (const role of ROLES) {
    const password = checkedPassword(role, input.passwords[role]);
    const permissions = rolePermissions(role);
    lines.push(
      "    {",
      `      user: ${q(role)}`,
      `      password: ${q(bcrypt.hashSync(password, cost))}`,
      "      permissions: {",
      `        publish: { allow: ${list(permissions.publish)} }`,
      `        subscribe: { allow: ${list(permissions.subscribe)} }`,
      ...(permissions.allowResponses ? ["        allow_responses: true"] : []),
      "      }",
      "    }",
    );
  }
  lines.push("  ]", "}", "");
  return lines.join("\n");
}

/**
 * `conf` (a nats.conf renderNatsConfig wrote, maybe edited since) with `role`'s password hash
 * replaced by one of `password`; everything else is kept. Throws NatsConfigError when the
 * role's user entry is not there.
 */
export function replaceRolePassword(
  conf: string,
  role: Role,
  password: string,
  bcryptCost = DEFAULT_BCRYPT_COST,
): string {
  const entry = new RegExp(`(user: ${JSON.stringify(role)}\\n\\s*password: )"[^"\\n]*"`);
  if (!entry.test(conf)) throw new NatsConfigError("nats.conf", `has no user ${role} written by nats-config`);
  const hash = bcrypt.hashSync(checkedPassword(role, password), bcryptCost);
  return conf.replace(entry, (_match, head: string) => `${head}${JSON.stringify(hash)}`);
}

/** `<role>.env`: sourced by a shell (`set -a; . router.env`) or read as a compose env_file. */
export function renderCredentials(role: Role, password: string): string {
  return [
    `# Signalbox NATS credentials of the ${role} role: keep this file private (mode 0600).`,
    `NATS_USER=${role}`,
    `NATS_PASSWORD=${checkedPassword(role, password)}`,
    "",
  ].join("\n");
}

/** The password in a `<role>.env` this module wrote for `role`; throws NatsConfigError otherwise. */
export function parseCredentials(role: Role, text: string): string {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) values.set(match[1], match[2] ?? "");
  }
  const user = values.get("NATS_USER");
  if (user !== role) {
    throw new NatsConfigError(credentialsFileName(role), `names user ${JSON.stringify(user)}, not ${role}`);
  }
  const password = values.get("NATS_PASSWORD");
  if (password === undefined || !PASSWORD_SHAPE.test(password)) {
    throw new NatsConfigError(credentialsFileName(role), "has no NATS_PASSWORD of 16+ [A-Za-z0-9_-]");
  }
  return password;
}

function checkedPassword(role: Role, password: string): string {
  if (!PASSWORD_SHAPE.test(password)) {
    throw new NatsConfigError(role, "a role password must be 16+ characters of [A-Za-z0-9_-]");
  }
  return password;
}
