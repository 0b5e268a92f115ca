import bencode from 'bencode';

/**
 * Decodes bencode (BEP 3) with the bencode package: byte strings become Uint8Array,
 * dictionaries plain objects whose keys are text, or hex when the key's bytes are not
 * UTF-8 (bencode 4.0, lib/decode.js `decode.dictionary`).
 */
export function decodeBencode(buf: Uint8Array): unknown {
  return bencode.decode(buf);
}

/** A decoded dictionary's entry, or undefined when `value` is not a dictionary. */
export function dictGet(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) return undefined;
  return (value as Record<string, unknown>)[key];
}

/**
 * The bytes of a decoded dictionary's keys, in wire order. A key bencode gave as hex is
 * taken as binary only when `raw` (the whole encoded reply) holds those bytes as a byte
 * string (`<length>:<bytes>`), so a key sent as hex text is not mistaken for a binary one.
 */
export function dictKeyBytes(dict: unknown, raw: Uint8Array): Buffer[] {
  if (typeof dict !== 'object' || dict === null || dict instanceof Uint8Array) {
    throw new Error(`not a bencode dictionary: ${String(dict)}`);
  }
  const body = Buffer.from(raw);
  return Object.keys(dict).map((key) => {
    if (/^(?:[0-9a-f]{2})+$/.test(key)) {
      const bytes = Buffer.from(key, 'hex');
      if (body.includes(Buffer.concat([Buffer.from(`${bytes.length}:`), bytes]))) return bytes;
    }
    return Buffer.from(key, 'utf8');
  });
}
