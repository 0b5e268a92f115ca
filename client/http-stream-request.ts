import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ResponseTooLargeError } from './errors.js';
import { bufferedAnswer, type HttpAnswer } from './http-fetch.js';

/**
 * Sends `body` as the request body of `method url` with node:http, honouring the socket's
 * backpressure, and resolves with the whole answer (answers to an
 * upload are small). Node 20's fetch does not wait for the socket to drain while it
 * writes a streamed body, so a 1 GB layer upload sat in memory; this reads the file only
 * as fast as the registry takes it.
 *
 * An error status the registry answers early wins; else rejects with the body stream's
 * error (e.g. a DigestStream mismatch) or the socket's (ECONNREFUSED, ECONNRESET, ...).
 */
export async function streamRequest(
  method: string,
  url: URL,
  headers: Record<string, string>,
  body: Readable,
): Promise<HttpAnswer> {
  const mod = url.protocol === 'https:' ? https : http;
  const req = mod.request(url, { method, headers });
  const answered = new Promise<{ res: http.IncomingMessage; bytes: Buffer }>((resolve, reject) => {
    req.once('response', (res) => {
      readAll(res).then((bytes) => {
        // An early refusal (401, 400, ...): stop sending the rest of the body.
        if ((res.statusCode ?? 500) >= 400) req.destroy();
        resolve({ res, bytes });
      }, reject);
    });
    req.once('error', reject);
  });
  const sent = pipeline(body, req);
  const [bodySent, answer] = await Promise.allSettled([sent, answered]);
  let res: http.IncomingMessage;
  let bytes: Buffer;
  if (answer.status === 'fulfilled' && (answer.value.res.statusCode ?? 500) >= 400) {
    ({ res, bytes } = answer.value); // the registry's answer beats the EPIPE that follows
  } else if (bodySent.status === 'rejected') {
    req.destroy();
    throw bodySent.reason;
  } else if (answer.status === 'rejected') {
    throw answer.reason;
  } else {
    ({ res, bytes } = answer.value);
  }
  return bufferedAnswer(res, bytes);
}

/** An answer to an upload is an empty body or an error envelope: read no more than this. */
const MAX_ANSWER_BYTES = 64 * 1024;

async function readAll(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res) {
    total += (chunk as Buffer).length;
    if (total > MAX_ANSWER_BYTES) {
      res.destroy();
      throw new ResponseTooLargeError('upload answer', MAX_ANSWER_BYTES);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
