import { createServer } from 'node:http';
import type Koa from 'koa';
import { parseErrorEnvelope, type WireError } from '../../../../lib/errcode.js';
import { listen } from '../../../../lib/http/listen.js';

/** `app` on 127.0.0.1, any free port. */
export async function serve(app: Koa): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer(app.callback());
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The first entry of the `{errors: [...]}` envelope a response carries (throws when none). */
export async function firstError(res: Response): Promise<WireError> {
  const envelope = parseErrorEnvelope(await res.json());
  if (!envelope) throw new Error(`${res.status}: no error envelope`);
  return envelope.errors[0]!;
}
