import { useEffect, useState } from 'preact/hooks';
import type { WhoAmI } from '../lib/api/bodies.js';
import { api } from './api.js';

/**
 * Who the page is signed in as: the token's name and its scopes (`GET /docket/v1/whoami`),
 * so a reader knows why a repository is missing or a button refused. Nothing while it
 * loads or when the registry refuses the token (the views ask for another one).
 */
export function TokenIdentity() {
  const [self, setSelf] = useState<WhoAmI | null>(null);
  useEffect(() => {
    let live = true;
    api.whoami().then(
      (who) => live && setSelf(who),
      () => live && setSelf(null),
    );
    return () => {
      live = false;
    };
  }, []);
  if (!self) return null;
  return (
    <p class="token-identity">
      Signed in as <strong class="token-name">{self.name}</strong>
      <span class="token-scopes">
        {self.scopes.map((scope) => (
          <code key={scope} class="token-scope">
            {scope}
          </code>
        ))}
      </span>
    </p>
  );
}
