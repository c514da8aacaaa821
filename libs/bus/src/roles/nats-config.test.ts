import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { NatsConfigError } from "../errors.js";
import {
  credentialsFileName,
  newPassword,
  parseCredentials,
  renderCredentials,
  renderNatsAuthFiles,
  renderNatsConfig,
  replaceRolePassword,
} from "./nats-config.js";
import { inboxPrefix, ROLES, type Role, rolePermissions } from "./role-permissions.js";

const passwords = Object.fromEntries(ROLES.map((role) => [role, newPassword(randomBytes)])) as Record<
  Role,
  string
>;
const input = { passwords, generatedAt: new Date("2026-12-04T00:00:00Z"), bcryptCost: 4 };

/** Each user's bcrypt hash in a rendered nats.conf. */
function hashes(conf: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of conf.matchAll(/user: "(\w+)"\n\s*password: "([^"]+)"/g)) {
    found.set(match[1] ?? "", match[2] ?? "");
  }
  return found;
}

describe("rolePermissions", () => {
  it("lets only the watcher write the buckets and answer requests", () => {
    for (const role of ROLES) {
      const { publish, allowResponses } = rolePermissions(role);
      const writes = publish.filter((subject) => subject.startsWith("$KV."));
      expect(writes, role).toEqual(
        role === "watcher"
          ? ["$KV.signalbox-routes.>", "$KV.signalbox-config.>", "$KV.signalbox-certs.>"]
          : [],
      );
      expect(allowResponses, role).toBe(role === "watcher");
    }
  });

  it("gives each role its own inbox and no other", () => {
    for (const role of ROLES) {
      const inboxes = rolePermissions(role).subscribe.filter((subject) => subject.startsWith("_INBOX"));
      expect(inboxes, role).toEqual([`${inboxPrefix(role)}.>`]);
    }
  });

  it("keeps the config bucket (token hashes) away from every role but the watcher", () => {
    for (const role of ROLES.filter((r) => r !== "watcher")) {
      expect(rolePermissions(role).publish.filter((subject) => subject.includes("signalbox-config"))).toEqual(
        [],
      );
    }
  });

  it("spells the contract's request subjects for agents and admin", () => {
    expect(rolePermissions("agent").publish).toEqual([
      "agent.register",
      "agent.heartbeat.*",
      "agent.deregister",
    ]);
    expect(rolePermissions("admin").publish).toEqual(["signalbox.api.>"]);
    expect(rolePermissions("health").publish).toContain("health.>");
    expect(rolePermissions("router").publish).toContain("stats.router.*");
  });
});

describe("renderNatsConfig", () => {
  const conf = renderNatsConfig({
    ...input,
    listen: "127.0.0.1:4333",
    tls: { cert: "/c.pem", key: "/k.pem" },
  });

  it("hashes every role's password with bcrypt and never writes it in clear", () => {
    const found = hashes(conf);
    expect([...found.keys()]).toEqual([...ROLES]);
    for (const role of ROLES) {
      expect(conf).not.toContain(passwords[role]);
      expect(bcrypt.compareSync(passwords[role], found.get(role) ?? "")).toBe(true);
    }
  });

  it("writes JetStream, the listen address and TLS only when asked", () => {
    expect(conf).toContain('listen: "127.0.0.1:4333"');
    expect(conf).toContain("jetstream {}");
    expect(conf).toContain('tls { cert_file: "/c.pem", key_file: "/k.pem" }');
    const plain = renderNatsConfig({ ...input, storeDir: "/data" });
    expect(plain).toContain('listen: "0.0.0.0:4222"');
    expect(plain).toContain('jetstream { store_dir: "/data" }');
    expect(plain).not.toContain("tls");
  });

  it("quotes subjects so `$` is never read as a variable", () => {
    expect(conf).toContain('"$KV.signalbox-routes.>"');
    expect(conf).not.toMatch(/[^"]\$(KV|JS)\./);
  });

  it("refuses a short or odd password", () => {
    expect(() => renderNatsConfig({ ...input, passwords: { ...passwords, agent: "short" } })).toThrow(
      NatsConfigError,
    );
    expect(() =>
      renderNatsConfig({ ...input, passwords: { ...passwords, agent: `${"a".repeat(20)}"x` } }),
    ).toThrow(/agent/);
  });
});

describe("renderNatsAuthFiles", () => {
  it("writes nats.conf and one credentials file per role", () => {
    const files = renderNatsAuthFiles(input);
    expect([...files.keys()]).toEqual(["nats.conf", ...ROLES.map(credentialsFileName)]);
    expect(files.get("router.env")).toContain(`NATS_USER=router\nNATS_PASSWORD=${passwords.router}\n`);
  });
});

describe("newPassword", () => {
  it("is 192 random bits in base64url", () => {
    const password = newPassword(() => Buffer.alloc(24, 0xff));
    expect(password).toBe("_".repeat(32));
    expect(newPassword(randomBytes)).not.toBe(newPassword(randomBytes));
  });
});

describe("parseCredentials", () => {
  it("reads back what renderCredentials wrote", () => {
    expect(parseCredentials("health", renderCredentials("health", passwords.health))).toBe(passwords.health);
  });

  it("refuses another role's file or a missing password", () => {
    expect(() => parseCredentials("admin", renderCredentials("agent", passwords.agent))).toThrow(
      'admin.env: names user "agent", not admin',
    );
    expect(() => parseCredentials("admin", "NATS_USER=admin\n")).toThrow(/NATS_PASSWORD/);
  });
});

describe("replaceRolePassword", () => {
  it("changes one role's hash and keeps every other line", () => {
    const conf = renderNatsConfig(input);
    const fresh = newPassword(randomBytes);
    const rotated = replaceRolePassword(conf, "agent", fresh, 4);
    const before = hashes(conf);
    const after = hashes(rotated);
    expect(bcrypt.compareSync(fresh, after.get("agent") ?? "")).toBe(true);
    expect(bcrypt.compareSync(passwords.agent, after.get("agent") ?? "")).toBe(false);
    for (const role of ROLES.filter((r) => r !== "agent")) expect(after.get(role)).toBe(before.get(role));
    const otherLines = (text: string) => text.split("\n").filter((line) => !line.includes("password:"));
    expect(otherLines(rotated)).toEqual(otherLines(conf));
  });

  it("refuses a file without that user", () => {
    expect(() => replaceRolePassword("listen: 1\n", "router", passwords.router, 4)).toThrow(
      "nats.conf: has no user router written by nats-config",
    );
  });
});
