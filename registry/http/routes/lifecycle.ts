import type { GcResult, RollbackResult, TagHistory } from '../../../lib/api/index.js';
import { parseName } from '../../../lib/reference.js';
import { ParameterInvalidError } from '../../errors.js';
import { checkRequestedGrace } from '../../services/gc.js';
import type { Handler, RouteTable } from '../../../lib/http/router.js';
import type { HttpDeps } from '../route.js';

/** Tag history and rollback, garbage collection (bodies: lib/api/bodies.ts). */
export function lifecycleRoutes(deps: HttpDeps): RouteTable {
  const history: Handler = async (ctx, m) => {
    const repository = parseName(m.params[0] ?? '');
    const tag = m.params[1]!;
    const entries = deps.tags.history(repository, tag);
    // Token names are for token holders: an anonymous reader (public mode) sees null.
    const named = typeof ctx.state.tokenName === 'string';
    const body: TagHistory = { repository, tag, history: [] };
    for (const e of entries) {
      body.history.push({
        digest: e.manifestDigest,
        pushedAt: e.pushedAt,
        pushedBy: named ? e.pushedBy : null,
        action: e.action,
        size: await deps.images.size(e.manifestDigest),
      });
    }
    ctx.body = body;
  };

  const rollback: Handler = (ctx, m) => {
    const repository = parseName(m.params[0] ?? '');
    const tag = m.params[1]!;
    const to = query(ctx.query.to);
    const steps = query(ctx.query.steps);
    const moved = deps.tags.rollback(
      repository,
      tag,
      {
        to,
        steps: steps === undefined ? undefined : positiveInteger('steps', steps),
      },
      (ctx.state.tokenName as string | null | undefined) ?? null,
    );
    const body: RollbackResult = { repository, tag, ...moved };
    ctx.body = body;
  };

  const gc: Handler = async (ctx) => {
    const grace = query(ctx.query.graceSeconds);
    const dryRun = flag(query(ctx.query.dryRun));
    const graceMs =
      grace === undefined ? deps.gcGraceMs : nonNegativeInteger('graceSeconds', grace) * 1000;
    // A dry run sweeps nothing: only a real sweep below the floor must be forced.
    if (grace !== undefined && !dryRun) checkRequestedGrace(graceMs, flag(query(ctx.query.force)));
    const body: GcResult = await deps.gc.collect({ dryRun, graceMs });
    ctx.body = body;
  };

  return {
    'docket.history': { GET: history },
    'docket.rollback': { POST: rollback },
    'docket.gc': { POST: gc },
  };
}

function flag(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

function query(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[value.length - 1] : value;
}

function nonNegativeInteger(name: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new ParameterInvalidError(name, value);
  return n;
}

function positiveInteger(name: string, value: string): number {
  const n = nonNegativeInteger(name, value);
  if (n === 0) throw new ParameterInvalidError(name, value);
  return n;
}
