import { createConnection, createServer, type Socket } from 'node:net';

export interface HoldProxy {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Resolves once `holdAfterBytes` client bytes went upstream; from then on nothing does. */
  held: Promise<void>;
  /** Client bytes forwarded upstream so far. */
  forwarded(): number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to 127.0.0.1:`upstreamPort` that forwards what clients send until
 * `holdAfterBytes` went through, then stops reading from every client: a request body
 * frozen mid-way, so a test can kill a process at a known point of an upload instead of
 * racing it. Answers still flow back; when either side of a connection closes, the other
 * side is destroyed (a killed registry resets its clients).
 */
export async function startHoldProxy(
  upstreamPort: number,
  holdAfterBytes: number,
): Promise<HoldProxy> {
  let forwarded = 0;
  let holding = false;
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client).add(upstream);
    clients.add(client);
    // Connections opened after the hold send nothing upstream either.
    if (holding) client.pause();
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
      clients.delete(client);
    };
    for (const s of [client, upstream]) {
      s.on('error', drop);
      s.on('close', drop);
    }
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (holding) {
        client.pause();
        return;
      }
      const room = holdAfterBytes - forwarded;
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      forwarded += part.length;
      upstream.write(part);
      if (forwarded >= holdAfterBytes) {
        holding = true;
        for (const c of clients) c.pause();
        onHeld();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    forwarded: () => forwarded,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
