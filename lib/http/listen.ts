import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts `server` on `host` (absent: every address) and `port` (0: any free one); resolves
 * with the port it got. Rejects with the listen error (EADDRINUSE...).
 */
export function listen(server: Server, port: number, host?: string): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done((server.address() as AddressInfo).port);
    });
  });
}
