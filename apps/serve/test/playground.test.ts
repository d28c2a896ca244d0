/**
 * The playground page in headless Chromium (Debian's /usr/bin/chromium driven by
 * playwright-core; no browser download): it lists the model, sends a chat message with the
 * sampling controls' values, and shows the reply token by token as the stream arrives.
 * Skipped, with the reason printed, when /usr/bin/chromium is absent
 * (apps/serve/scripts/ensure-chromium.sh installs it).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, MODEL_ID, type Harness } from './harness.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.log(`playground browser test skipped: ${CHROMIUM} is missing (run apps/serve/scripts/ensure-chromium.sh)`);

describe.skipIf(!available)('playground in headless Chromium', () => {
  let harness: Harness;
  let url: string;
  let context: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    harness = await createHarness();
    ({ url } = await harness.start());
    profile = await mkdtemp(join(tmpdir(), 'tessera-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 30_000,
      args: [
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
    });
  }, 45_000);

  afterAll(async () => {
    await context?.close();
    await harness?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('chats with streamed tokens and sampling controls', async () => {
    const page = await context.newPage();
    const requests: unknown[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/v1/chat/completions')) requests.push(request.postDataJSON());
    });
    await page.goto(url);
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toContain('ready');
    expect(await page.locator('#model').inputValue()).toBe(MODEL_ID);

    await page.locator('#temperature').fill('0');
    await page.locator('#maxTokens').fill('24');
    await page.locator('#seed').fill('5');
    // Count the updates of the reply while it streams.
    await page.evaluate(() => {
      const w = window as unknown as { updates: number };
      w.updates = 0;
      new MutationObserver(() => w.updates++).observe(document.getElementById('messages')!, { subtree: true, characterData: true, childList: true });
    });
    await page.locator('#input').fill('Tell me about the Union.');
    await page.locator('#input').press('Enter');

    const reply = page.locator('.message.assistant[data-done="true"]');
    await reply.waitFor({ timeout: 20_000 });
    expect(await page.locator('.message.user').textContent()).toBe('Tell me about the Union.');
    const meta = await reply.locator('.meta').textContent();
    expect(meta).toMatch(/finish: (length|stop)/);
    expect(meta).toMatch(/\d+ tokens/);
    const updates = await page.evaluate(() => (window as unknown as { updates: number }).updates);
    expect(updates).toBeGreaterThan(4); // the text arrived in pieces, not at once
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ model: MODEL_ID, stream: true, temperature: 0, max_tokens: 24, seed: 5, messages: [{ role: 'user', content: 'Tell me about the Union.' }] });
    expect(await page.locator('.message.error').count()).toBe(0);
    await page.close();
  }, 40_000);
});
