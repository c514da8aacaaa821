// Bounded concurrency for bulk KV work: many puts in flight, never all at once.

/**
 * Runs `task` for every item with at most `limit` in flight; resolves when all have
 * settled, rejecting with the first failure (after the in-flight ones finish).
 */
export async function runBounded<T>(items: readonly T[], limit: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}
