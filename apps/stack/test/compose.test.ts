// docker-compose.yml checked by reading it (no Docker engine here): every service
// builds from a Dockerfile that exists, sets only variables its program reads,
// publishes host ports that never clash, and depends only on real services; NATS
// requires the logins nats-config writes and each service mounts only its role's.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { HELP as AGENT_HELP } from "@signalbox/agent";
import { HELP as HEALTH_HELP } from "@signalbox/health";
import { HELP as ROUTER_HELP } from "@signalbox/router";
import { HELP as WATCHER_HELP } from "@signalbox/watcher";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = resolve(import.meta.dirname, "../../..");

interface ComposeService {
  image?: string;
  user?: string;
  command?: string[];
  entrypoint?: string[];
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  profiles?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"), { merge: true }) as ComposeFile;
const services = Object.entries(compose.services);
const built = services.filter(([, service]) => service.build);

/** What each image's program documents as its configuration (its --help text). */
const demoBackendSource = readFileSync(join(root, "apps/stack/src/demo-backend-main.ts"), "utf8");
const variablesReadBy: Record<string, (name: string) => boolean> = {
  "apps/router/Dockerfile": (name) => ROUTER_HELP.includes(name),
  "apps/watcher/Dockerfile": (name) => WATCHER_HELP.includes(name),
  "apps/health/Dockerfile": (name) => HEALTH_HELP.includes(name),
  "apps/agent/Dockerfile": (name) => AGENT_HELP.includes(name),
  // The cli image runs client commands, which read the NATS_* and LOG_LEVEL settings.
  "apps/cli/Dockerfile": (name) => /^(NATS_(URL|USER|PASSWORD|TOKEN|CREDS)|LOG_LEVEL)$/.test(name),
  "apps/stack/Dockerfile": (name) => demoBackendSource.includes(`process.env.${name}`),
};

function hostPorts(mapping: string): number[] {
  const host = mapping.split(":").slice(-2, -1)[0];
  if (!host) return [];
  const [from, to] = host.split("-").map(Number);
  if (from === undefined) return [];
  const ports: number[] = [];
  for (let port = from; port <= (to ?? from); port++) ports.push(port);
  return ports;
}

describe("docker-compose.yml", () => {
  it("has the stack's services", () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining([
        "nats",
        "watcher",
        "router",
        "health",
        "demo-v1",
        "demo-v2",
        "agent-v1",
        "agent-v2",
      ]),
    );
    expect(services.some(([, service]) => service.profiles?.includes("marathon"))).toBe(true);
  });

  it.each(built)("%s builds from a Dockerfile that exists in its context", (_name, service) => {
    const context = join(root, service.build?.context ?? "");
    const dockerfile = join(context, service.build?.dockerfile ?? "Dockerfile");
    expect(existsSync(context)).toBe(true);
    expect(existsSync(dockerfile)).toBe(true);
  });

  it.each(built)("%s sets only variables its program reads", (_name, service) => {
    const reads = variablesReadBy[service.build?.dockerfile ?? ""];
    expect(reads, `no reader known for ${service.build?.dockerfile}`).toBeDefined();
    const unread = Object.keys(service.environment ?? {}).filter((name) => !reads?.(name));
    expect(unread).toEqual([]);
  });

  it("publishes host ports that do not clash, with room to scale the router to 3", () => {
    const seen = new Map<number, string>();
    for (const [name, service] of services) {
      for (const port of (service.ports ?? []).flatMap(hostPorts)) {
        expect(seen.get(port), `host port ${port} of ${name}`).toBeUndefined();
        seen.set(port, name);
      }
    }
    // HTTP 8080-8082 and HTTPS 8443-8445: three replicas each.
    expect((compose.services.router?.ports ?? []).flatMap(hostPorts)).toHaveLength(6);
  });

  it("depends only on services and volumes it declares", () => {
    const declaredVolumes = Object.keys(compose.volumes ?? {});
    for (const [name, service] of services) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(compose.services[dependency], `${name} depends on ${dependency}`).toBeDefined();
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0] ?? "";
        if (source.startsWith("."))
          expect(existsSync(join(root, source)), `${name} mounts ${source}`).toBe(true);
        else expect(declaredVolumes, `${name} mounts volume ${source}`).toContain(source);
      }
    }
  });
});

/** The NATS role each Signalbox service logs in as (the demo backends do not use NATS). */
const ROLE_OF: Record<string, string> = {
  watcher: "watcher",
  "watcher-standby": "watcher",
  router: "router",
  health: "health",
  "agent-v1": "agent",
  "agent-v2": "agent",
  token: "admin",
};
const ROLES = ["watcher", "router", "health", "agent", "admin"];

/** The credentials volumes a service mounts. */
function credentialVolumes(service: ComposeService): string[] {
  return (service.volumes ?? [])
    .map((volume) => volume.split(":")[0] ?? "")
    .filter((v) => v.startsWith("creds-"));
}

/** The shell text a service runs (its entrypoint and command). */
function script(service: ComposeService): string {
  return [...(service.entrypoint ?? []), ...(service.command ?? [])].join(" ");
}

describe("docker-compose.yml NATS authentication", () => {
  const nats = compose.services.nats;
  const writer = compose.services["nats-config"];

  it("runs nats-server with the nats.conf the one-shot writes, published on 127.0.0.1 only", () => {
    expect(nats?.command?.slice(0, 2)).toEqual(["-c", "/etc/nats/nats.conf"]);
    expect(nats?.volumes).toContain("nats-conf:/etc/nats:ro");
    expect(nats?.depends_on?.["nats-config"]).toEqual({ condition: "service_completed_successfully" });
    // The store is in the file (a reload is refused for a store given by -sd).
    expect(script(writer ?? {})).toContain("--store-dir /data");
    expect(nats?.volumes).toContain("nats-data:/data");
    expect(nats?.command).not.toContain("-sd");
    expect(nats?.ports?.length).toBeGreaterThan(0);
    for (const mapping of nats?.ports ?? []) expect(mapping).toMatch(/^127\.0\.0\.1:/);
  });

  it("writes the config with signalbox nats-config once, and every role's login into its own volume", () => {
    expect(writer?.build?.dockerfile).toBe("apps/cli/Dockerfile");
    const text = script(writer ?? {});
    expect(text).toContain("nats-config --out");
    expect(writer?.command?.[0]).toMatch(
      /^chown node:node \/tokens; test -s \/nats-conf\/nats\.conf && exit 0;/,
    );
    expect(text).toContain("for role in watcher router health agent admin;");
    expect(credentialVolumes(writer ?? {}).sort()).toEqual(ROLES.map((role) => `creds-${role}`).sort());
    expect(writer?.volumes).toContain("nats-conf:/nats-conf");
  });

  it.each(Object.entries(ROLE_OF))("%s mounts only the %s login, read-only, and sources it", (name, role) => {
    const service = compose.services[name];
    expect(service, name).toBeDefined();
    expect(credentialVolumes(service ?? {})).toEqual([`creds-${role}`]);
    expect(service?.volumes).toContain(`creds-${role}:/run/signalbox:ro`);
    expect(script(service ?? {})).toContain("set -a && . /run/signalbox/nats.env && set +a");
    expect(
      Object.keys(service?.environment ?? {}).filter((variable) => /NATS_(USER|PASSWORD)/.test(variable)),
    ).toEqual([]);
  });

  it("gives no other service a login or the server's config", () => {
    for (const [name, service] of services) {
      if (name in ROLE_OF || name === "nats-config") continue;
      expect(credentialVolumes(service), name).toEqual([]);
      if (name !== "nats") expect(service.volumes ?? [], name).not.toContain("nats-conf:/etc/nats:ro");
    }
  });
});

describe("Dockerfiles", () => {
  const dockerfiles = [...new Set(built.map(([, service]) => service.build?.dockerfile ?? ""))];
  it.each(dockerfiles)(
    "%s is multi-stage on a slim Node LTS, runs as non-root, has a HEALTHCHECK",
    (file) => {
      const text = readFileSync(join(root, file), "utf8");
      const stages = text.match(/^FROM node:(\d+)-slim/gm) ?? [];
      expect(stages.length).toBeGreaterThanOrEqual(2);
      for (const stage of stages) expect(Number(stage.match(/node:(\d+)/)?.[1]) % 2).toBe(0);
      expect(text).toMatch(/^USER node$/m);
      expect(text).toMatch(/^HEALTHCHECK /m);
    },
  );
});
