// The one redaction of credentials carried in URLs (NATS_URL, MARATHON_URL): whatever text a log
// line or an error message is about to show, `scheme://user:password@host` shows as `scheme://***@host`.

/** `scheme://` then a userinfo up to `@` (no `/`, `?`, `#`, `@` or whitespace inside it). */
const URL_USERINFO = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@]*@/g;

/** `text` with the userinfo of every URL in it replaced by `***` (also in comma-separated lists). */
export function redactUrlCredentials(text: string): string {
  return text.replace(URL_USERINFO, "$1***@");
}
