// The id a certificate gets when `cert add` names none: its first name, readable in `cert list`
// and usable as one KV token (`*.example.com` -> `wildcard-example-com`).
import { CERT_ID } from "@signalbox/bus";

export function certIdFor(firstName: string): string {
  const id = firstName
    .toLowerCase()
    .replace(/^\*\./, "wildcard.")
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
  return CERT_ID.test(id) ? id : "cert";
}
