// Which host names a certificate name covers (RFC 6125 6.4.3, as TLS clients check it): an exact
// name, case-insensitive, or `*.example.com` for exactly one label under example.com. A deeper
// match (`a.b.example.com`) would be refused by every client, so it never counts here.

/** `Example.COM.` -> `example.com`: lower case, no trailing dot. */
export function normaliseHostName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/** The one wildcard name that could cover `host`: `a.example.com` -> `*.example.com`; undefined for a single label. */
export function wildcardFor(host: string): string | undefined {
  const dot = host.indexOf(".");
  if (dot <= 0 || dot === host.length - 1) return undefined;
  return `*${host.slice(dot)}`;
}

/** True when the certificate name `certName` (exact or `*.` wildcard) covers `host`. */
export function nameCovers(certName: string, host: string): boolean {
  const name = normaliseHostName(certName);
  const target = normaliseHostName(host);
  return name === target || (name.startsWith("*.") && wildcardFor(target) === name);
}

/** True when any of `names` covers `host`. */
export function namesCover(names: readonly string[], host: string): boolean {
  return names.some((name) => nameCovers(name, host));
}

/** The host of an endpoint pattern (`*.example.com/api` -> `*.example.com`): what a certificate must cover. */
export function patternHost(pattern: string): string {
  const slash = pattern.indexOf("/");
  return slash === -1 ? pattern : pattern.slice(0, slash);
}

/** True when a certificate with `names` covers the host of endpoint `pattern` (a wildcard pattern needs that wildcard). */
export function namesCoverPattern(names: readonly string[], pattern: string): boolean {
  return namesCover(names, patternHost(pattern));
}
