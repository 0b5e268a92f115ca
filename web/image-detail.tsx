import { useEffect, useState } from 'preact/hooks';
import type { ImageSummary, TagHistory } from '../lib/api/bodies.js';
import type { ImageConfigDocument } from '../lib/api/image-config.js';
import { artifactKind } from '../lib/artifact-types.js';
import type { Descriptor } from '../lib/manifest/types.js';
import { api, UnauthorizedError } from './api.js';
import { formatAgo, formatBytes, shortDigest } from './format.js';
import { imageRef, sharedWith } from './shared-layers.js';

interface Props {
  image: ImageSummary;
  /** Layer digest → images holding it. */
  users: Map<string, string[]>;
  onUnauthorized(): void;
}

/** image-spec annotations.md: when the artifact was created. */
const CREATED = 'org.opencontainers.image.created';

/**
 * One image: its layers (and which images share them), its config, its referrers
 * (signatures, SBOMs), its tag's history.
 */
export function ImageDetail({ image, users, onUnauthorized }: Props) {
  const ref = imageRef(image);
  const [config, setConfig] = useState<ImageConfigDocument | undefined>();
  const [history, setHistory] = useState<TagHistory | undefined>();
  const [referrers, setReferrers] = useState<Descriptor[] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    setConfig(undefined);
    setHistory(undefined);
    setReferrers(undefined);
    setError(undefined);
    const fail = (err: unknown) => {
      if (!live) return;
      if (err instanceof UnauthorizedError) onUnauthorized();
      else setError((err as Error).message);
    };
    if (image.configDigest)
      api
        .config(image.repository, image.configDigest)
        .then((c) => live && setConfig(c))
        .catch(fail);
    api
      .history(image.repository, image.tag)
      .then((h) => live && setHistory(h))
      .catch(fail);
    api
      .referrers(image.repository, image.digest)
      .then((r) => live && setReferrers(r))
      .catch(fail);
    return () => {
      live = false;
    };
  }, [image.repository, image.tag, image.digest, image.configDigest, onUnauthorized]);

  const now = Date.now();
  return (
    <article class="detail" aria-labelledby="detail-title">
      <h3 id="detail-title">{ref}</h3>
      <p class="muted">
        <code>{image.digest}</code> · {image.mediaType}
      </p>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <h4>Layers</h4>
      <table class="layers">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Digest</th>
            <th scope="col" class="num">
              Size
            </th>
            <th scope="col">Shared with</th>
          </tr>
        </thead>
        <tbody>
          {image.layers.map((layer, i) => {
            const others = sharedWith(users, layer.digest, ref);
            return (
              <tr key={`${i}-${layer.digest}`}>
                <td>{i + 1}</td>
                <td>
                  <code title={layer.digest}>{shortDigest(layer.digest)}</code>
                </td>
                <td class="num">{formatBytes(layer.size)}</td>
                <td>{others.length > 0 ? others.join(', ') : <span class="muted">none</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <h4>Config</h4>
      {config ? <ConfigList config={config} /> : <p class="muted">loading…</p>}
      <h4>Referrers</h4>
      {referrers ? (
        <ReferrerTable referrers={referrers} now={now} />
      ) : (
        <p class="muted">loading…</p>
      )}
      <h4>History of {ref}</h4>
      {history ? (
        <table class="history">
          <thead>
            <tr>
              <th scope="col">Digest</th>
              <th scope="col">Action</th>
              <th scope="col">When</th>
              <th scope="col">Who</th>
            </tr>
          </thead>
          <tbody>
            {history.history.map((h, i) => (
              <tr key={`${h.digest}-${h.pushedAt}`}>
                <td>
                  <code title={h.digest}>{shortDigest(h.digest)}</code>
                  {i === 0 && h.action !== 'delete' && h.digest === image.digest && (
                    <span class="badge">current</span>
                  )}
                </td>
                <td>{h.action}</td>
                <td title={h.pushedAt}>{formatAgo(h.pushedAt, now)}</td>
                <td>{h.pushedBy ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">loading…</p>
      )}
    </article>
  );
}

/** The manifests pushed with this image as their subject: signatures, SBOMs. */
function ReferrerTable({ referrers, now }: { referrers: Descriptor[]; now: number }) {
  if (referrers.length === 0) return <p class="muted">No signatures or SBOMs.</p>;
  return (
    <table class="referrers">
      <thead>
        <tr>
          <th scope="col">Kind</th>
          <th scope="col">Artifact type</th>
          <th scope="col">Digest</th>
          <th scope="col" class="num">
            Size
          </th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
        {referrers.map((r) => {
          const created = r.annotations?.[CREATED];
          return (
            <tr key={r.digest} data-artifact-type={r.artifactType ?? ''}>
              <td>{artifactKind(r.artifactType) ?? 'artifact'}</td>
              <td>
                <code>{r.artifactType ?? r.mediaType}</code>
              </td>
              <td>
                <code title={r.digest}>{shortDigest(r.digest)}</code>
              </td>
              <td class="num">{formatBytes(r.size)}</td>
              <td title={created}>{created ? formatAgo(created, now) : '–'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ConfigList({ config }: { config: ImageConfigDocument }) {
  const c = config.config ?? {};
  const labels = Object.entries(c.Labels ?? {});
  return (
    <dl class="config">
      <dt>Platform</dt>
      <dd>
        {config.os ?? '?'}/{config.architecture ?? '?'}
      </dd>
      <dt>Entrypoint</dt>
      <dd>
        <code>{c.Entrypoint?.length ? JSON.stringify(c.Entrypoint) : '–'}</code>
      </dd>
      <dt>Cmd</dt>
      <dd>
        <code>{c.Cmd?.length ? JSON.stringify(c.Cmd) : '–'}</code>
      </dd>
      {c.WorkingDir && (
        <>
          <dt>Working dir</dt>
          <dd>
            <code>{c.WorkingDir}</code>
          </dd>
        </>
      )}
      <dt>Env</dt>
      <dd>
        {c.Env?.length ? (
          <ul class="plain">
            {c.Env.map((e) => (
              <li key={e}>
                <code>{e}</code>
              </li>
            ))}
          </ul>
        ) : (
          '–'
        )}
      </dd>
      <dt>Labels</dt>
      <dd>
        {labels.length ? (
          <ul class="plain">
            {labels.map(([k, v]) => (
              <li key={k}>
                <code>
                  {k}={v}
                </code>
              </li>
            ))}
          </ul>
        ) : (
          '–'
        )}
      </dd>
    </dl>
  );
}
