// Marathon ports and networking (shared/reference/marathon-api.md "Ports and networking"): how
// many ports an app has and the address a task serves a port index on, in the 1.3-1.4 shape
// (`ports`, `container.docker.portMappings`, `ipAddress`) and the >= 1.5 shape (`networks`,
// `container.portMappings`, `portDefinitions`).
import { isRecord } from "../model/fields.js";

/** host and bridge networking publish host ports; container (overlay) networking gives tasks their own IP. */
type Networking = "host" | "bridge" | "container";

/** The networking mode: `networks[0].mode` (>= 1.5), else `container.docker.network`, else an `ipAddress` (1.3-1.4 IP per task). */
function networkingOf(app: Record<string, unknown>): Networking {
  const networks = app.networks;
  const mode = Array.isArray(networks) && isRecord(networks[0]) ? networks[0].mode : undefined;
  if (mode === "container") return "container";
  if (mode === "container/bridge") return "bridge";
  if (mode === "host") return "host";
  const docker = dockerOf(app);
  if (docker?.network === "USER") return "container";
  if (docker?.network === "BRIDGE") return "bridge";
  if (docker?.network === "HOST") return "host";
  return isRecord(app.ipAddress) ? "container" : "host";
}

/**
 * Number of ports the app defines: the first non-empty of `container.portMappings`,
 * `container.docker.portMappings`, `portDefinitions`, `ports`, `ipAddress.discovery.ports`.
 */
export function portCountOf(app: Record<string, unknown>): number {
  return portListOf(app).length;
}

/**
 * The address function of an app's tasks: `{ host, port }` a task serves port index `index` on,
 * or undefined when the task does not say. Host and bridge networking: `task.host` +
 * `task.ports[index]` (the allocated host port). Container networking:
 * `task.ipAddresses[0].ipAddress` + the mapping's `containerPort` (1.3-1.4 without mappings:
 * `ipAddress.discovery.ports[index].number`). The app is read once, not per task.
 */
export function taskAddresses(
  app: Record<string, unknown>,
): (task: Record<string, unknown>, index: number) => { host: string; port: number } | undefined {
  if (networkingOf(app) === "container") {
    const ports = portListOf(app);
    return (task, index) => {
      const addresses = task.ipAddresses;
      const first = Array.isArray(addresses) && isRecord(addresses[0]) ? addresses[0].ipAddress : undefined;
      const entry = ports[index];
      const port = isRecord(entry) ? (entry.containerPort ?? entry.number) : undefined;
      return typeof first === "string" && isPort(port) ? { host: first, port } : undefined;
    };
  }
  return (task, index) => {
    const port = Array.isArray(task.ports) ? task.ports[index] : undefined;
    return typeof task.host === "string" && isPort(port) ? { host: task.host, port } : undefined;
  };
}

function portListOf(app: Record<string, unknown>): unknown[] {
  const container = isRecord(app.container) ? app.container : undefined;
  const ipAddress = isRecord(app.ipAddress) ? app.ipAddress : undefined;
  const discovery = isRecord(ipAddress?.discovery) ? ipAddress.discovery : undefined;
  const candidates = [
    container?.portMappings,
    dockerOf(app)?.portMappings,
    app.portDefinitions,
    app.ports,
    discovery?.ports,
  ];
  for (const list of candidates) {
    if (Array.isArray(list) && list.length > 0) return list;
  }
  return [];
}

function dockerOf(app: Record<string, unknown>): Record<string, unknown> | undefined {
  const container = isRecord(app.container) ? app.container : undefined;
  return isRecord(container?.docker) ? container.docker : undefined;
}

function isPort(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 1 && x <= 65535;
}
