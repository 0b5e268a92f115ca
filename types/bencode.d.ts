declare module 'bencode' {
  /** Bencoding (BEP 3). Dictionaries are encoded with sorted keys. */
  interface Bencode {
    encode(data: unknown): Uint8Array;
    /** Byte strings decode to Uint8Array unless `encoding` is given; keys decode as text. */
    decode(data: Uint8Array, encoding?: string): unknown;
    decode(data: Uint8Array, start: number, end: number, encoding?: string): unknown;
    byteLength(data: unknown): number;
    encodingLength(data: unknown): number;
  }
  const bencode: Bencode;
  export default bencode;
}
