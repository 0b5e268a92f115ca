import type { Context, Middleware } from 'koa';
import { ForeignRequestError } from './errors.js';

/** The loopback names a local server always answers to, at the port it listens on. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Refuses (ForeignRequestError, 403 DENIED) every request to a local server whose `Host`
 * is not one of its own (RFC 9110 §7.2): `localhost`, `127.0.0.1`, `[::1]`, the address
 * the connection came in on, and `names`, each at the port the connection came in on (a
 * name of `names` that carries a port, `name:port`, only at that port). This defeats DNS
 * rebinding: a page's own name resolved to this address still says that name in `Host`.
 * A request with an `Origin` (RFC 6454 §7: browsers send it on cross-origin requests and
 * every POST; docker and containerd send none) is refused unless it is `http://` one of
 * those hosts, so no page of another origin gets an answer or makes a change.
 */
export function hostCheck(names: readonly string[] = []): Middleware {
  const extra = names.map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  return async (ctx, next) => {
    const allowed = allowedHosts(ctx, extra);
    const host = ctx.get('Host').toLowerCase();
    if (!allowed.has(host)) throw new ForeignRequestError('Host', ctx.get('Host'));
    const origin = ctx.get('Origin');
    if (origin !== '' && !allowedOrigin(origin.toLowerCase(), allowed))
      throw new ForeignRequestError('Origin', origin);
    await next();
  };
}

function allowedHosts(ctx: Context, names: readonly string[]): Set<string> {
  const { localPort, localAddress } = ctx.req.socket;
  const local = localAddress?.replace(/^::ffff:(?=\d+\.)/, '');
  const own = [...LOOPBACK_NAMES, ...(local ? [local.includes(':') ? `[${local}]` : local] : [])];
  const out = new Set<string>();
  for (const name of [...own, ...names]) {
    if (/^(?:\[[^\]]*\]|[^:[\]]+):\d+$/.test(name)) {
      out.add(name);
      continue;
    }
    const bare = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
    out.add(`${bare}:${localPort}`);
    if (localPort === 80) out.add(bare);
  }
  return out;
}

function allowedOrigin(origin: string, hosts: ReadonlySet<string>): boolean {
  const m = /^http:\/\/([^/]+)$/.exec(origin);
  return m !== null && hosts.has(m[1]!);
}
