/**
 * Key paths name a position inside a tree: object keys are strings, array indices are numbers,
 * and registered nodes use the keys their `flatten` reports (or child indices).
 */

/**
 * The route from a tree's root to one of its nodes or leaves.
 *
 *   const path: KeyPath = ['layers', 0, 'weight'];
 *   keyPathToString(path); // '.layers[0].weight'
 */
export type KeyPath = readonly (string | number)[];

const identifier = /^[A-Za-z_$][\w$]*$/;

/**
 * A key path in JavaScript accessor syntax; the root (empty path) is the empty string.
 * Keys that are not identifiers are quoted so the string stays unambiguous.
 *
 *   keyPathToString(['layers', 1, 'w']);  // '.layers[1].w'
 *   keyPathToString(['my key']);          // '["my key"]'
 */
export function keyPathToString(path: KeyPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += identifier.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** Path text for error messages, where an empty string would read as a typo. */
export function describePath(path: KeyPath): string {
  return path.length === 0 ? 'the root' : keyPathToString(path);
}
