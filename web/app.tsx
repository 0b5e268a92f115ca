import { useCallback, useEffect, useState } from 'preact/hooks';
import { tokenStore } from './api.js';
import { HealthView } from './health-view.js';
import { ImagesView } from './images-view.js';
import { SwarmView } from './swarm-view.js';
import { TokenForm } from './token-form.js';
import { TokenIdentity } from './token-identity.js';

const TABS = [
  { id: 'images', label: 'Images' },
  { id: 'swarm', label: 'Swarm' },
  { id: 'health', label: 'Health' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** The tab a hash names: `#swarm`, or `#images/<repository>:<tag>` (a selected image). */
function tabFromHash(): TabId {
  const id = location.hash.slice(1).split('/')[0];
  return TABS.find((t) => t.id === id)?.id ?? 'images';
}

/** The page: a tab per view, the tab in the URL's hash; a token form when the API says 401. */
export function App() {
  const [tab, setTab] = useState<TabId>(tabFromHash);
  const [needToken, setNeedToken] = useState(false);
  // Bumped when a token is entered, so the views remount and load again.
  const [session, setSession] = useState(0);

  useEffect(() => {
    const onHash = () => setTab(tabFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const onUnauthorized = useCallback(() => setNeedToken(true), []);
  const onToken = (token: string) => {
    tokenStore.set(token);
    setNeedToken(false);
    setSession((n) => n + 1);
  };
  const signOut = () => {
    tokenStore.clear();
    setSession((n) => n + 1);
  };

  return (
    <>
      <header class="top">
        <h1>docket registry</h1>
        <nav aria-label="Views">
          <div role="tablist">
            {TABS.map((t) => (
              <a
                key={t.id}
                role="tab"
                href={`#${t.id}`}
                id={`tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls="view"
              >
                {t.label}
              </a>
            ))}
          </div>
        </nav>
        {tokenStore.get() && (
          <>
            <TokenIdentity key={session} />
            <button type="button" class="link" onClick={signOut}>
              Forget token
            </button>
          </>
        )}
      </header>
      <main>
        <div id="view" role="tabpanel" aria-labelledby={`tab-${tab}`}>
          {needToken ? (
            <TokenForm onToken={onToken} rejected={tokenStore.get() !== null} />
          ) : tab === 'images' ? (
            <ImagesView key={session} onUnauthorized={onUnauthorized} />
          ) : tab === 'swarm' ? (
            <SwarmView key={session} onUnauthorized={onUnauthorized} />
          ) : (
            <HealthView key={session} onUnauthorized={onUnauthorized} />
          )}
        </div>
      </main>
    </>
  );
}
