import { useMemo, useState } from 'preact/hooks';
import type { BlobSwarm, ImageList, SwarmReport } from '../lib/api/bodies.js';
import { api } from './api.js';
import { EgressChart } from './egress-chart.js';
import { formatBytes, formatPercent, shortDigest } from './format.js';
import { appendSample, emptySeries, swarmsByImage } from './series.js';
import { blobImages } from './shared-layers.js';
import { usePoll } from './use-poll.js';

interface Props {
  onUnauthorized(): void;
}

export const SWARM_POLL_MS = 1500;

/** The live swarm: egress totals, a chart over time, per image and per blob peers. */
export function SwarmView({ onUnauthorized }: Props) {
  const [series, setSeries] = useState(emptySeries);
  const swarm = usePoll<SwarmReport>(api.swarm, SWARM_POLL_MS, onUnauthorized, (report) =>
    setSeries((s) => appendSample(s, report)),
  );
  const images = usePoll<ImageList>(api.images, 10_000, onUnauthorized);
  const imagesOfBlob = useMemo(() => blobImages(images.data?.images ?? []), [images.data]);
  const report = swarm.data;

  return (
    <section aria-labelledby="swarm-title">
      <h2 id="swarm-title">Swarm</h2>
      {swarm.error && (
        <p role="alert" class="error">
          Could not read the swarm: {swarm.error.message}
        </p>
      )}
      {report && <Totals totals={report.totals} />}
      <EgressChart series={series} />
      <h3>By image</h3>
      {report && <ImageTable report={report} imagesOfBlob={imagesOfBlob} />}
      <h3>By blob</h3>
      {report && report.blobs.length === 0 && (
        <p class="muted">No swarm yet: blobs get one when a peer pulls them.</p>
      )}
      {report?.blobs.map((blob) => (
        <BlobCard key={blob.infoHash} blob={blob} images={imagesOfBlob.get(blob.digest) ?? []} />
      ))}
    </section>
  );
}

function Totals({ totals }: { totals: SwarmReport['totals'] }) {
  const sent = totals.registrySeedBytes + totals.webSeedBytes;
  return (
    <dl class="totals" aria-live="off">
      <div>
        <dt>Registry seed sent</dt>
        <dd data-testid="registry-seed-bytes">{formatBytes(totals.registrySeedBytes)}</dd>
      </div>
      <div>
        <dt>Web seed sent</dt>
        <dd>{formatBytes(totals.webSeedBytes)}</dd>
      </div>
      <div>
        <dt>Peers sent</dt>
        <dd>{formatBytes(totals.peerBytes)}</dd>
      </div>
      <div>
        <dt>A central registry would send (N × S)</dt>
        <dd>{formatBytes(totals.centralBytes)}</dd>
      </div>
      <div>
        <dt>Registry egress saved</dt>
        <dd>
          {formatBytes(totals.savedBytes)}
          {totals.centralBytes > 0 && (
            <span class="muted"> ({formatPercent(1 - sent / totals.centralBytes)})</span>
          )}
        </dd>
      </div>
    </dl>
  );
}

function ImageTable({
  report,
  imagesOfBlob,
}: {
  report: SwarmReport;
  imagesOfBlob: Map<string, string[]>;
}) {
  const rows = swarmsByImage(report.blobs, imagesOfBlob);
  if (rows.length === 0) return <p class="muted">No image is being pulled.</p>;
  return (
    <table class="image-swarms">
      <thead>
        <tr>
          <th scope="col">Image</th>
          <th scope="col" class="num">
            Blobs in swarms
          </th>
          <th scope="col" class="num">
            Seeders
          </th>
          <th scope="col" class="num">
            Leechers
          </th>
          <th scope="col" class="num">
            Hosts
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.ref}>
            <td>
              <span class="name" title={r.ref}>
                {r.ref}
              </span>
            </td>
            <td class="num">{r.blobs}</td>
            <td class="num">{r.seeders}</td>
            <td class="num">{r.leechers}</td>
            <td class="num">{r.peers}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function BlobCard({ blob, images }: { blob: BlobSwarm; images: string[] }) {
  const titleId = `blob-${blob.infoHash}`;
  return (
    <article class="blob" aria-labelledby={titleId} data-digest={blob.digest}>
      <h4 id={titleId}>
        <code title={blob.digest}>{shortDigest(blob.digest)}</code>{' '}
        <span class="muted">
          {formatBytes(blob.size)}
          {images.length > 0 && (
            <>
              {' · '}
              <span class="name" title={images.join(', ')}>
                {images.join(', ')}
              </span>
            </>
          )}
        </span>
      </h4>
      <p class="stats">
        <span>{blob.seeders} seeders</span> · <span>{blob.leechers} leechers</span> ·{' '}
        <span>{blob.completed} completed</span> · registry seed{' '}
        {formatBytes(blob.registrySeedBytes)} · web seed {formatBytes(blob.webSeedBytes)} · peers{' '}
        {formatBytes(blob.peerBytes)}
      </p>
      <table class="peers">
        <thead>
          <tr>
            <th scope="col">Peer</th>
            <th scope="col">Address</th>
            <th scope="col">Progress</th>
            <th scope="col" class="num">
              Downloaded
            </th>
            <th scope="col" class="num">
              Uploaded
            </th>
          </tr>
        </thead>
        <tbody>
          {blob.peers.map((p) => (
            <tr key={p.peerId} class="peer" data-registry={p.registry}>
              <td>
                <code title={p.peerId}>{peerName(p.peerId)}</code>
                {p.registry && <span class="badge">registry</span>}
              </td>
              <td>{p.address}</td>
              <td>
                <progress
                  max={1}
                  value={p.progress}
                  aria-label={`${peerName(p.peerId)} progress`}
                />{' '}
                {formatPercent(p.progress)}
              </td>
              <td class="num">{formatBytes(p.downloaded)}</td>
              <td class="num">{formatBytes(p.uploaded)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

/** The client prefix of a peer id (e.g. -WW0300-, -DKR...) and a few hex after it. */
function peerName(peerIdHex: string): string {
  const prefix = peerIdHex
    .slice(0, 16)
    .match(/../g)
    ?.map((h) => Number.parseInt(h, 16))
    .map((c) => (c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.'))
    .join('');
  return `${prefix ?? ''}${peerIdHex.slice(16, 24)}`;
}
