// A reusable number buffer per strategy instance, so a pick per request allocates nothing.

/** Grows (never shrinks) a Float64Array; `get(n)` returns a buffer of at least n slots, contents undefined. */
export class Scratch {
  private buffer = new Float64Array(16);

  get(size: number): Float64Array {
    if (this.buffer.length < size) this.buffer = new Float64Array(Math.max(size, this.buffer.length * 2));
    return this.buffer;
  }
}
