/**
 * A least-recently-used cache: a Map in use order (reads move an entry to the back), so the
 * front entry is the one evicted when the cache is full.
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, V>();
  #capacity: number;

  /** @example const cache = new LruCache<string, number>(512); */
  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The value under `key` (now the most recently used), or undefined. */
  get(key: K): V | undefined {
    const v = this.#entries.get(key);
    if (v !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, v);
    }
    return v;
  }

  /** Store `value` under `key`, evicting the least recently used entries beyond the capacity. */
  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    this.#evict();
  }

  /** Change the capacity (evicting at once if it shrank). */
  resize(capacity: number): void {
    this.#capacity = capacity;
    this.#evict();
  }

  clear(): void {
    this.#entries.clear();
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#capacity) return;
      this.#entries.delete(key);
    }
  }
}
