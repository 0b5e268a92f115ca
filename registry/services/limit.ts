import { Transform, type TransformCallback } from 'node:stream';
import { PayloadTooLargeError } from '../errors.js';

/** A pass-through that fails with PayloadTooLargeError once more than `max` bytes flowed. */
export function limitBytes(max: number, limit = max): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      seen += chunk.length;
      if (seen > max) cb(new PayloadTooLargeError(limit));
      else cb(null, chunk);
    },
  });
}
