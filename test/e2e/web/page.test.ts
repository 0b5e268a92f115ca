import Docker from 'dockerode';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestImage } from '../../../testbed/images.js';
import {
  cosignSignature,
  manifestDescriptor,
  pushArtifact,
  signingKey,
  spdxSbom,
} from '../../helpers/artifacts.js';
import { startTestRegistry, type TestRegistry } from '../../helpers/registry.js';
import { type RunningCli, runCli, startCli } from '../../helpers/run-cli.js';
import { removeImages, tempCacheDir } from '../cli/cli-env.js';
import {
  attributes,
  cellTexts,
  clearInput,
  launchBrowser,
  screenshot,
  waitFor,
  waitForText,
} from './browser.js';

const docker = new Docker();
const APP = 'web-test/app:v1';
const TOOLS = 'web-test/tools:v1';

describe('the web page, in a real browser', () => {
  let browser: Browser;
  const created: string[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await removeImages(docker, created);
  });

  describe('with pushed images and a host in the swarm', () => {
    let registry: TestRegistry;
    let env: Record<string, string>;
    let seeder: RunningCli | undefined;
    let page: Page;
    beforeAll(async () => {
      registry = await startTestRegistry();
      env = { DOCKET_REGISTRY: registry.url, DOCKET_TOKEN: registry.token };
      // Both FROM the same busybox base: its layer is shared.
      await buildTestImage(docker, APP, [{ file: 'app.bin', size: 4_000_000, seed: 'web-app' }], {
        cmd: ['/bin/sh', '-c', 'echo app'],
      });
      await buildTestImage(docker, TOOLS, [{ file: 'tools.bin', size: 20_000, seed: 'web-tools' }]);
      created.push(APP, TOOLS, `${registry.host}/${APP}`, `${registry.host}/${TOOLS}`);
      for (const ref of [APP, TOOLS]) {
        const pushed = await runCli(['push', ref], { env });
        expect(pushed.exitCode, pushed.stderr).toBe(0);
      }
      // APP is signed and has an SBOM (OCI 1.1 referrers).
      const subject = await manifestDescriptor(registry, 'web-test/app', 'v1');
      const key = signingKey().privateKey;
      const signature = cosignSignature(subject, { dockerReference: 'web-test/app', key });
      for (const artifact of [signature, spdxSbom(subject, { name: 'web-test/app' })])
        await pushArtifact(registry, 'web-test/app', artifact);
      await removeImages(docker, [APP, `${registry.host}/${APP}`]);
      page = await browser.newPage();
    });
    afterAll(async () => {
      seeder?.child.kill('SIGINT');
      await seeder?.result;
      await page?.close();
      await registry?.close();
    });

    it('lists the images; an image shows its layers, which images share them, config and history', async () => {
      await page.goto(`${registry.url}/`);
      await waitForText(page, 'web-test/tools');
      const rows = await attributes(page, 'table.images tbody tr', 'data-ref');
      expect(rows).toEqual(expect.arrayContaining([APP, TOOLS]));

      await page.type('#search', 'tools');
      await waitFor(page, `document.querySelectorAll('table.images tbody tr').length === 1`);
      expect(await attributes(page, 'table.images tbody tr', 'data-ref')).toEqual([TOOLS]);
      await clearInput(page, '#search');

      // Keyboard only: tab to the repository's button, Enter opens the details.
      await page.focus(`tr[data-ref="${APP}"] button`);
      await page.keyboard.press('Enter');
      await waitForText(page, `History of ${APP}`);
      await waitForText(page, '"/bin/sh","-c","echo app"');
      const layers = await cellTexts(page, 'table.layers tbody tr');
      expect(layers).toHaveLength(2);
      expect(layers[0]?.[3]).toBe(TOOLS);
      expect(layers[1]?.[3]).toBe('none');
      const referrers = await cellTexts(page, 'table.referrers tbody tr');
      expect(referrers.map((row) => row.slice(0, 2))).toEqual(
        expect.arrayContaining([
          ['signature', 'application/vnd.dev.cosign.artifact.sig.v1+json'],
          ['SBOM', 'application/spdx+json'],
        ]),
      );
      expect(referrers).toHaveLength(2);
      const history = await cellTexts(page, 'table.history tbody tr');
      expect(history).toHaveLength(1);
      expect(history[0]?.[1]).toBe('push');
      // Public mode: who pushed (a token's name) is for token holders only.
      expect(history[0]?.[3]).toBe('–');
      expect(await page.evaluate('location.hash')).toBe(`#images/${APP}`);
      await screenshot(page, 'images');
    });

    it('opens an image from a deep link; its history marks one entry current', async () => {
      await page.goto('about:blank');
      await page.goto(`${registry.url}/#images/${APP}`);
      await waitForText(page, `History of ${APP}`);
      expect(await page.$$eval('table.history .badge', (badges) => badges.length)).toBe(1);
    });

    it('shows a pulling host in the live swarm, with its progress', async () => {
      // The host's long-running seeder: the pull hands its blobs to it and returns.
      const cacheDir = await tempCacheDir();
      seeder = startCli(['seed', '--json', '--cache-dir', cacheDir], { env });
      await seeder.waitForStdout(/"kind":"listening"/, 60_000);
      await page.goto(`${registry.url}/#swarm`);
      const pulled = await runCli(['pull', '--cache-dir', cacheDir, APP], { env });
      expect(pulled.exitCode, pulled.stderr).toBe(0);
      // The host announced while it downloaded; its seeder announces the blob it picked up.
      await seeder.waitForStdout(/"kind":"seeding"/, 60_000);
      await page.waitForSelector('tr.peer[data-registry="false"]', { timeout: 60_000 });
      // Once it has the blob, its next announce says left=0: the page shows it complete.
      await waitFor(
        page,
        `Array.from(document.querySelectorAll('tr.peer[data-registry="false"]'))
          .some((tr) => tr.textContent.includes('100%'))`,
        30_000,
      );
      const peers = await cellTexts(page, 'tr.peer[data-registry="false"]');
      expect(peers.length).toBeGreaterThan(0);
      for (const peer of peers) expect(peer[1]).toMatch(/^127\.0\.0\.1:\d+$/);
      const byImage = await cellTexts(page, 'table.image-swarms tbody tr');
      expect(byImage.map((row) => row[0])).toContain(APP);
      await waitForText(page, 'Registry egress saved');
      await screenshot(page, 'swarm');

      await page.goto(`${registry.url}/#health`);
      await waitForText(page, 'Storage used');
      await screenshot(page, 'health');
    });
  });

  describe('with --auth-reads', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startTestRegistry({ authReads: true });
    });
    afterAll(async () => {
      await registry?.close();
    });

    it('asks for a token, refuses a wrong one, keeps a good one for the session', async () => {
      const page = await browser.newPage();
      try {
        const res = await page.goto(`${registry.url}/`);
        expect(res?.status()).toBe(200);
        await page.waitForSelector('form.token-form input#token');
        await screenshot(page, 'token-form');

        await page.type('#token', 'not-a-token');
        await page.keyboard.press('Enter');
        await waitForText(page, 'The registry refused that token.');

        await clearInput(page, '#token');
        await page.type('#token', registry.token);
        await page.keyboard.press('Enter');
        await waitForText(page, 'No images pushed yet.');
        const stored = await page.evaluate(`sessionStorage.getItem('docket.token')`);
        expect(stored).toBe(registry.token);

        await page.goto(`${registry.url}/#health`);
        await waitForText(page, 'Reads need a token');
        expect(await page.$('form.token-form')).toBeNull();
        await waitForText(page, 'Signed in as admin');
      } finally {
        await page.close();
      }
    });

    it('shows the name and scopes of the token it is signed in with', async () => {
      const made = await fetch(`${registry.url}/docket/v1/tokens`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${registry.token}` },
        body: JSON.stringify({ name: 'web-reader', scopes: ['pull:team/*', 'push:team/app'] }),
      });
      expect(made.status).toBe(201);
      const { token } = (await made.json()) as { token: string };
      const page = await browser.newPage();
      try {
        await page.goto(`${registry.url}/`);
        await page.waitForSelector('form.token-form input#token');
        await page.type('#token', token);
        await page.keyboard.press('Enter');
        await waitForText(page, 'Signed in as web-reader');
        const scopes = await page.$$eval('.token-identity .token-scope', (els) =>
          els.map((e) => e.textContent),
        );
        expect(scopes).toEqual(['pull:team/*', 'push:team/app']);
        await screenshot(page, 'token-identity');
        // Forgetting the token forgets who the page was.
        await page.click('header .link');
        await page.waitForSelector('form.token-form input#token');
        expect(await page.$('.token-identity')).toBeNull();
      } finally {
        await page.close();
      }
    });
  });
});
