// Smooth weighted round-robin (nginx's algorithm): picks in exact proportion to weight, evenly spread.

/** A picker over a fixed list of weighted items; keeps its own position between picks. */
export interface SmoothWeightedPicker<T> {
  /**
   * The next item, or undefined when no item with weight > 0 is eligible. Items for which
   * `isEligible` is false are skipped for this pick and keep their accumulated credit, so the
   * eligible ones stay evenly interleaved among themselves.
   */
  pick(isEligible?: (item: T) => boolean): T | undefined;
}

/**
 * Smooth weighted round-robin over `items`: in every window of sum(weights) consecutive picks each
 * item is picked exactly `weight` times (90/10 gives 9:1 in every 10 picks, 5/1/1 gives a a b a c a a),
 * and picks of one item are spread out rather than bunched. Weight 0 (or negative, infinite, not a
 * number) is never picked. Ties go to the earlier item.
 */
export function createSmoothWeightedPicker<T>(items: { item: T; weight: number }[]): SmoothWeightedPicker<T> {
  const list = items.map(({ item, weight }) => ({ item, weight }));
  const weights = new Float64Array(list.length);
  const current = new Float64Array(list.length);
  return {
    pick(isEligible) {
      for (let i = 0; i < list.length; i++) {
        const entry = list[i];
        weights[i] = entry && (isEligible === undefined || isEligible(entry.item)) ? entry.weight : 0;
      }
      const index = pickSmoothWeightedIndex(current, weights, list.length);
      return index < 0 ? undefined : list[index]?.item;
    },
  };
}

/**
 * One step of smooth weighted round-robin over `count` slots: every slot with weight > 0 gains its
 * weight in `current`, the slot with the most credit (earliest on ties) is chosen and pays back the
 * total of this step. Slots with weight <= 0 neither gain nor pay, which is how a caller skips
 * ineligible ones. Returns the chosen slot, or -1 when no weight is > 0. Allocates nothing, so a
 * strategy can call it per request with its own scratch arrays.
 */
export function pickSmoothWeightedIndex(
  current: Float64Array,
  weights: ArrayLike<number>,
  count: number,
): number {
  let total = 0;
  let best = -1;
  let bestCredit = 0;
  for (let i = 0; i < count; i++) {
    const weight = weights[i] ?? 0;
    if (!(weight > 0 && weight < Number.POSITIVE_INFINITY)) continue;
    const credit = (current[i] ?? 0) + weight;
    current[i] = credit;
    total += weight;
    if (best < 0 || credit > bestCredit) {
      best = i;
      bestCredit = credit;
    }
  }
  if (best >= 0) current[best] = bestCredit - total;
  return best;
}
