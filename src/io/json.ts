/**
 * A small strict JSON parser for safetensors headers. `JSON.parse` keeps the last of duplicate
 * keys, turns `2.0` into `2`, accepts escaped lone surrogates and recurses (a deeply nested
 * header overflows the stack). This one is iterative, refuses duplicate keys at every level and
 * nesting past a depth limit, refuses lone surrogates, and keeps the difference between integer
 * literals and other numbers: `2` is the number 2, `2.0` or `2e0` a `JsonFloat`, so the header
 * decoder can insist that shapes and offsets are written as integers. Objects have a null
 * prototype, so `__proto__` is an ordinary key. Every failure names the rule it breaks.
 */
import { either as E } from 'fp-ts';

/**
 * The rules a checkpoint file must follow; each decoding error names one.
 *
 *   deserialize(fileWithDuplicateKeys); // Left: '[no-duplicate-keys] header["w"]: key "dtype" appears twice'
 *   r.left.rules; // ['no-duplicate-keys']
 */
export type FileRule =
  | 'header-length-bounds'
  | 'valid-utf8'
  | 'header-starts-with-brace'
  | 'json-syntax'
  | 'no-duplicate-keys'
  | 'depth-limit'
  | 'integer-literals'
  | 'header-schema'
  | 'tensor-size'
  | 'offsets-tile-data'
  | 'no-trailing-bytes'
  | 'int32-range'
  | 'tree-path';

/** A number written with a fraction or an exponent (`2.0`, `1e3`): not a valid shape or offset. */
export class JsonFloat {
  constructor(
    readonly text: string,
    readonly value: number,
  ) {}
  toJSON(): number {
    return this.value;
  }
}

/** A parse failure: the rule broken and a message with the position or path. */
export interface JsonError {
  readonly rule: FileRule;
  readonly message: string;
}

/** How deep headers may nest. Real headers need 3 levels (object, entry, shape array). */
export const maxHeaderDepth = 32;

type Frame = { kind: 'object'; value: Record<string, unknown>; key: string } | { kind: 'array'; value: unknown[] };

const number = /-?(?:0|[1-9]\d*)(\.\d+)?(?:[eE][+-]?\d+)?/y;
const escapes: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Parse `text` as one JSON value. Never throws; allocates in proportion to the text.
 *
 *   parseStrictJson('{"a":[1,2]}');   // Right({ a: [1, 2] })
 *   parseStrictJson('{"a":1,"a":2}'); // Left({ rule: 'no-duplicate-keys', ... })
 */
export function parseStrictJson(text: string, maxDepth = maxHeaderDepth): E.Either<JsonError, unknown> {
  let i = 0;
  const stack: Frame[] = [];
  const where = () => {
    let path = 'header';
    for (let k = 1; k < stack.length; k++) {
      const parent = stack[k - 1]!;
      path += parent.kind === 'object' ? `[${JSON.stringify(parent.key)}]` : `[${parent.value.length}]`;
    }
    return path;
  };
  const fail = (rule: FileRule, message: string) => E.left<JsonError>({ rule, message });
  const syntax = (expected: string) => fail('json-syntax', `header is not valid JSON: expected ${expected} at character ${i}, found ${i < text.length ? JSON.stringify(text[i]) : 'the end'}`);
  const skip = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      i++;
    }
  };
  const readString = (): E.Either<JsonError, string> => {
    // At the opening quote.
    i++;
    let out = '';
    let start = i;
    while (true) {
      if (i >= text.length) return syntax('a closing quote');
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) return syntax('no raw control character in a string');
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(start, i);
      const e = text[i + 1];
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return syntax('four hex digits after \\u');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else if (e !== undefined && escapes[e] !== undefined) {
        out += escapes[e];
        i += 2;
      } else {
        i++;
        return syntax('a valid escape');
      }
      start = i;
    }
    out += text.slice(start, i);
    i++;
    if (loneSurrogate.test(out)) return fail('valid-utf8', `${where()}: the string ${JSON.stringify(out.slice(0, 40))} contains a lone surrogate (escaped as \\uD8xx-\\uDFxx), which is not valid UTF-8`);
    return E.right(out);
  };
  /** At an object's key (after `{` or `,`): the key, its uniqueness, and the colon. */
  const readKey = (frame: Frame & { kind: 'object' }): E.Either<JsonError, void> => {
    skip();
    if (text[i] !== '"') return syntax('a string key');
    const key = readString();
    if (E.isLeft(key)) return key;
    if (Object.prototype.hasOwnProperty.call(frame.value, key.right)) {
      return fail('no-duplicate-keys', `${where()}: the key ${JSON.stringify(key.right)} appears twice (the format forbids duplicate keys)`);
    }
    frame.key = key.right;
    skip();
    if (text[i] !== ':') return syntax("':'");
    i++;
    return E.right(undefined);
  };

  outer: while (true) {
    skip();
    let value: unknown;
    const c = text[i];
    if (c === '{' || c === '[') {
      if (stack.length >= maxDepth) return fail('depth-limit', `${where()}: nesting deeper than ${maxDepth} levels at character ${i}`);
      i++;
      skip();
      if (c === '{' && text[i] === '}') {
        i++;
        value = Object.create(null);
      } else if (c === '[' && text[i] === ']') {
        i++;
        value = [];
      } else {
        if (c === '{') {
          const frame: Frame = { kind: 'object', value: Object.create(null), key: '' };
          stack.push(frame);
          const k = readKey(frame);
          if (E.isLeft(k)) return k;
        } else stack.push({ kind: 'array', value: [] });
        continue outer;
      }
    } else if (c === '"') {
      const s = readString();
      if (E.isLeft(s)) return s;
      value = s.right;
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      number.lastIndex = i;
      const m = number.exec(text);
      if (m === null) return syntax('a number');
      i += m[0].length;
      value = m[0].includes('.') || /[eE]/.test(m[0]) ? new JsonFloat(m[0], Number(m[0])) : Number(m[0]);
    } else if (text.startsWith('true', i)) {
      value = true;
      i += 4;
    } else if (text.startsWith('false', i)) {
      value = false;
      i += 5;
    } else if (text.startsWith('null', i)) {
      value = null;
      i += 4;
    } else return syntax('a JSON value');

    // A value is complete: store it in its container, then close containers as they end.
    while (true) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        skip();
        if (i !== text.length) return syntax('the end of the header after the JSON value');
        return E.right(value);
      }
      if (top.kind === 'object') top.value[top.key] = value;
      else top.value.push(value);
      skip();
      const d = text[i];
      if (d === ',') {
        i++;
        if (top.kind === 'object') {
          const k = readKey(top);
          if (E.isLeft(k)) return k;
        }
        continue outer;
      }
      if ((top.kind === 'object' && d === '}') || (top.kind === 'array' && d === ']')) {
        i++;
        stack.pop();
        value = top.value;
        continue;
      }
      return syntax(top.kind === 'object' ? "',' or '}'" : "',' or ']'");
    }
  }
}
