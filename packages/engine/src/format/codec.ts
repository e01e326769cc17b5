import { DagflowError, ErrorCode } from '@dagflow/flow';

/*
 * Values are stored as JSON text. Binary data (Buffer, Uint8Array) becomes `{"\u0000bytes": base64}`;
 * a user object that happens to look like a tag is stored as `{"\u0000object": [key, value]}`, so every
 * value round-trips exactly. Values without binary data take the fast path of plain JSON.
 */
const BYTES = '\u0000bytes';
const OBJECT = '\u0000object';
const TAG_MARK = '\\u0000';

/** Encodes a node value for Redis. `undefined` is stored as `null`, as JSON does. */
export function encode(value: unknown): string {
  try {
    if (!containsBinaryOrTag(value, 0)) return JSON.stringify(value) ?? 'null';
    return JSON.stringify(value, replacer) ?? 'null';
  } catch (error) {
    throw new DagflowError(
      ErrorCode.INVALID_OUTPUT,
      `The value cannot be stored as JSON or binary data: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Decodes what {@link encode} produced; Buffers come back as Buffers. */
export function decode(text: string): unknown {
  return text.includes(TAG_MARK) ? JSON.parse(text, reviver) : JSON.parse(text);
}

/**
 * Whether {@link decode} of `text` gives a value whose `JSON.stringify` is `text` itself (as it is for
 * what {@link encode} wrote of a value without binary data or tag-shaped objects): such a stored value
 * is its own JSON text.
 */
export function isPlainJson(text: string): boolean {
  return !text.includes(TAG_MARK);
}

function containsBinaryOrTag(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (value instanceof Uint8Array || depth > 1_000) return true;
  if (Array.isArray(value)) return value.some((item) => containsBinaryOrTag(item, depth + 1));
  for (const key in value) {
    if (key === BYTES || key === OBJECT) return true;
    if (containsBinaryOrTag((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // Buffer#toJSON has already run on `value`; the holder still has the Buffer itself.
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array) {
    return {
      [BYTES]: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString(
        'base64',
      ),
    };
  }
  if (isTagShaped(value)) return { [OBJECT]: Object.entries(value)[0] };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.length === 1 && typeof record[BYTES] === 'string')
      return Buffer.from(record[BYTES], 'base64');
    const entry = record[OBJECT];
    if (keys.length === 1 && Array.isArray(entry))
      return { [String(entry[0])]: entry[1] as unknown };
  }
  return value;
}

function isTagShaped(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === BYTES || keys[0] === OBJECT);
}
