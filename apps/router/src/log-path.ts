// What a log line may show of a request target: the path only. Query strings carry tokens, session
// ids and personal data often enough that the router never logs them.

/** `/a/b?token=x` -> `/a/b`; undefined stays undefined. */
export function logPath(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}
