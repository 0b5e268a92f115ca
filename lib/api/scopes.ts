/**
 * Token scopes, after Distribution's token model (`repository:<name>:<actions>`), written
 * as `<action>:<repository pattern>` or `admin`:
 *
 * - `pull:<pattern>`   read the repositories the pattern matches (manifests, blobs, tags,
 *                      history, referrers);
 * - `push:<pattern>`   push to them (uploads, manifest PUT, rollback); implies pull;
 * - `delete:<pattern>` delete their manifests and tags;
 * - `admin`            everything: every repository, gc, tokens, blob DELETE (blobs are
 *                      shared by every repository) and tarball import.
 *
 * A pattern is a repository name whose components may be `*` (exactly one component) or,
 * as the last component, `**` (one or more components): `team/*` matches `team/app` but
 * not `team/app/api`; `team/**` matches both; `**` matches every repository.
 */
export type ScopeAction = 'pull' | 'push' | 'delete';

export type Scope =
  | { kind: 'admin' }
  | { kind: 'repository'; action: ScopeAction; pattern: string };

const COMPONENT = /^(\*\*?|[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)$/;

/** Parses one scope string; throws ScopeInvalidError. */
export function parseScope(text: string): Scope {
  if (text === 'admin') return { kind: 'admin' };
  const colon = text.indexOf(':');
  const action = text.slice(0, colon);
  const pattern = text.slice(colon + 1);
  if (colon === -1 || (action !== 'pull' && action !== 'push' && action !== 'delete'))
    throw new ScopeInvalidError(
      text,
      'expected admin, pull:<pattern>, push:<pattern> or delete:<pattern>',
    );
  const parts = pattern.split('/');
  parts.forEach((part, i) => {
    if (!COMPONENT.test(part))
      throw new ScopeInvalidError(text, `"${part}" is not a repository name component, * or **`);
    if (part === '**' && i !== parts.length - 1)
      throw new ScopeInvalidError(text, '** may only be the last component');
  });
  return { kind: 'repository', action, pattern };
}

export class ScopeInvalidError extends Error {
  constructor(
    readonly scope: string,
    reason: string,
  ) {
    super(`invalid scope "${scope}": ${reason}`);
    this.name = 'ScopeInvalidError';
  }
}

/** Whether `pattern` (see above) matches the repository `name`. */
export function patternMatches(pattern: string, name: string): boolean {
  const want = pattern.split('/');
  const have = name.split('/');
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    if (w === '**') return have.length > i;
    if (i >= have.length) return false;
    if (w !== '*' && w !== have[i]) return false;
  }
  return have.length === want.length;
}

/** Whether scopes `held` allow `action` on repository `name` (push implies pull; admin all). */
export function allows(held: readonly Scope[], action: ScopeAction, name: string): boolean {
  return held.some(
    (s) =>
      s.kind === 'admin' ||
      ((s.action === action || (action === 'pull' && s.action === 'push')) &&
        patternMatches(s.pattern, name)),
  );
}

export function isAdmin(held: readonly Scope[]): boolean {
  return held.some((s) => s.kind === 'admin');
}

/** Whether `held` allows reading at least one repository (registry-wide reads need it). */
export function readsAny(held: readonly Scope[]): boolean {
  return held.some((s) => s.kind === 'admin' || s.action === 'pull' || s.action === 'push');
}

export function formatScope(scope: Scope): string {
  return scope.kind === 'admin' ? 'admin' : `${scope.action}:${scope.pattern}`;
}

/**
 * Whether `held` reads every repository: `admin`, or a pull or push scope whose pattern is
 * `**`. Such a token reads any blob by digest; any other reads a blob only through a
 * repository holding it (readsBlob).
 */
export function readsEvery(held: readonly Scope[]): boolean {
  return held.some(
    (s) =>
      s.kind === 'admin' || ((s.action === 'pull' || s.action === 'push') && s.pattern === '**'),
  );
}

/**
 * Whether `held` may read a blob that the repositories `holders` hold (a manifest of each
 * names it): blobs are shared by every repository, so a token that does not read every
 * repository reads a blob only when it may pull one of them.
 */
export function readsBlob(held: readonly Scope[], holders: readonly string[]): boolean {
  return readsEvery(held) || holders.some((name) => allows(held, 'pull', name));
}

/** One resource of a token request, as Docker's token spec writes it: `repository:<name>:<actions>`. */
export interface RepositoryAccess {
  name: string;
  actions: ScopeAction[];
}

const ACTIONS: readonly ScopeAction[] = ['pull', 'push', 'delete'];

/**
 * The repository scopes of a token request's `scope` values (repeated or space-separated;
 * Docker "Token Scope Documentation"): `*` stands for pull, push and delete; other
 * resource types and unknown actions are left out, and so are names the repository grammar
 * (`isName`) rejects, since a granted name becomes a pattern.
 */
export function parseRequestedScopes(
  values: readonly string[],
  isName: (name: string) => boolean,
): RepositoryAccess[] {
  const out: RepositoryAccess[] = [];
  for (const scope of values.flatMap((v) => v.split(' '))) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first === -1 || last === first || scope.slice(0, first) !== 'repository') continue;
    const name = scope.slice(first + 1, last);
    const asked = scope.slice(last + 1).split(',');
    const actions = ACTIONS.filter((a) => asked.includes(a) || asked.includes('*'));
    if (isName(name)) out.push({ name, actions });
  }
  return out;
}

/**
 * Distribution's token model: each requested resource with only the actions `held` allows
 * on it (the rest are left out, not refused). `held` null is the anonymous reader, who may
 * pull when reads are open (`openReads`).
 */
export function grantRequested(
  held: readonly Scope[] | null,
  requested: readonly RepositoryAccess[],
  openReads: boolean,
): RepositoryAccess[] {
  return requested.map(({ name, actions }) => ({
    name,
    actions: actions.filter((a) =>
      held === null ? a === 'pull' && openReads : allows(held, a, name),
    ),
  }));
}

/**
 * The scopes a grant stands for: each granted action on exactly the named repository (a
 * repository name has no `*`, so as a pattern it matches itself only).
 */
export function grantScopes(granted: readonly RepositoryAccess[]): Scope[] {
  return granted.flatMap(({ name, actions }) =>
    actions.map((action): Scope => ({ kind: 'repository', action, pattern: name })),
  );
}
