/**
 * A least-recently-used cache: a Map in use order (reads move an entry to the back), so the
 * front entry is the one evicted when the cache is full. `onEvict` sees every entry that leaves
 * by eviction or `clear()` (to free what it holds); an entry replaced by `set` is not evicted.
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, V>();
  #capacity: number;

  readonly #onEvict: ((value: V, key: K) => void) | undefined;

  /** @example const cache = new LruCache<string, Program>(64, (program) => program.dispose()); */
  constructor(capacity: number, onEvict?: (value: V, key: K) => void) {
    this.#capacity = capacity;
    this.#onEvict = onEvict;
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
    const entries = [...this.#entries];
    this.#entries.clear();
    if (this.#onEvict) for (const [key, value] of entries) this.#onEvict(value, key);
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#capacity) return;
      const value = this.#entries.get(key)!;
      this.#entries.delete(key);
      this.#onEvict?.(value, key);
    }
  }
}
