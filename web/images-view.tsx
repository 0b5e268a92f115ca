import { useEffect, useMemo, useState } from 'preact/hooks';
import type { ImageList, ImageSummary } from '../lib/api/bodies.js';
import { api } from './api.js';
import { formatAgo, formatBytes, shortDigest } from './format.js';
import { ImageDetail } from './image-detail.js';
import { filterImages, imageRef, layerUsers } from './shared-layers.js';
import { usePoll } from './use-poll.js';

interface Props {
  onUnauthorized(): void;
}

/** The image a deep link selects: `#images/<repository>:<tag>`. */
function selectedFromHash(): string | undefined {
  const [tab, ...ref] = location.hash.slice(1).split('/');
  return tab === 'images' && ref.length > 0 ? decodeURIComponent(ref.join('/')) : undefined;
}

/** The hash that links to the images tab with `ref` selected. */
export function imagesHash(ref: string | undefined): string {
  return ref === undefined ? '#images' : `#images/${encodeURI(ref)}`;
}

/** Every repository:tag, a search box, and the selected image's details. */
export function ImagesView({ onUnauthorized }: Props) {
  const { data, error } = usePoll<ImageList>(api.images, 10_000, onUnauthorized);
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | undefined>(selectedFromHash);
  useEffect(() => {
    const onHash = () => setSelected(selectedFromHash());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const select = (ref: string | undefined) => {
    setSelected(ref);
    history.replaceState(null, '', imagesHash(ref));
  };
  const images = data?.images ?? [];
  const users = useMemo(() => layerUsers(images), [images]);
  const shown = filterImages(images, query);
  const current = images.find((i) => imageRef(i) === selected);
  const now = Date.now();

  return (
    <section aria-labelledby="images-title">
      <h2 id="images-title">Images</h2>
      <div class="toolbar">
        <label for="search">Search</label>
        <input
          id="search"
          type="search"
          placeholder="name, tag, digest or platform"
          value={query}
          onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
        />
        <span aria-live="polite" class="muted">
          {data ? `${shown.length} of ${images.length} tags` : 'loading…'}
        </span>
      </div>
      {error && (
        <p role="alert" class="error">
          Could not list images: {error.message}
        </p>
      )}
      <table class="images">
        <caption class="visually-hidden">Repositories and tags</caption>
        <thead>
          <tr>
            <th scope="col">Repository</th>
            <th scope="col">Tag</th>
            <th scope="col">Digest</th>
            <th scope="col" class="num">
              Size
            </th>
            <th scope="col">Created</th>
            <th scope="col">Pushed</th>
            <th scope="col">Platforms</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((image) => (
            <ImageRow
              key={imageRef(image)}
              image={image}
              now={now}
              selected={imageRef(image) === selected}
              onSelect={() => select(imageRef(image) === selected ? undefined : imageRef(image))}
            />
          ))}
          {data && shown.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                {images.length === 0 ? 'No images pushed yet.' : 'No image matches.'}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {current && <ImageDetail image={current} users={users} onUnauthorized={onUnauthorized} />}
    </section>
  );
}

interface RowProps {
  image: ImageSummary;
  now: number;
  selected: boolean;
  onSelect(): void;
}

function ImageRow({ image, now, selected, onSelect }: RowProps) {
  return (
    <tr class={selected ? 'selected' : undefined} data-ref={imageRef(image)}>
      <td>
        <button type="button" class="link" aria-expanded={selected} onClick={onSelect}>
          {image.repository}
        </button>
      </td>
      <td>{image.tag}</td>
      <td>
        <code title={image.digest}>{shortDigest(image.digest)}</code>
      </td>
      <td class="num">{formatBytes(image.size)}</td>
      <td>{formatAgo(image.created, now)}</td>
      <td>{formatAgo(image.lastPushed, now)}</td>
      <td>{image.platforms.join(', ') || '–'}</td>
    </tr>
  );
}
