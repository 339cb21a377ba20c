import { describe, expect, it } from 'vitest';
import { detailsHostNeedingConsent, grantHostConsent, useHostConsentStore, whenHostGranted } from '../../src/ui/model-loading/host-consent';

/** Which models' details the page may read at once, and which wait for "Fetch details from <host>". */

const PAGE = 'http://localhost:4173';
const HUB = 'https://huggingface.co';

describe('detailsHostNeedingConsent', () => {
  it('reads built-ins, hub ids and dropped folders at once', () => {
    for (const model of ['tiny-gpt2', 'openai-community/gpt2', 'org/name@v1.0', 'local:files']) expect(detailsHostNeedingConsent(model, PAGE, HUB)).toBeNull();
  });

  it('reads URLs on this origin and on the hub endpoint at once', () => {
    expect(detailsHostNeedingConsent('http://localhost:4173/models/mine', PAGE, HUB)).toBeNull();
    expect(detailsHostNeedingConsent('https://huggingface.co/org/name/resolve/main', PAGE, HUB)).toBeNull();
    // ?hub= points somewhere else: that is the trusted host then, and huggingface.co is not.
    expect(detailsHostNeedingConsent('http://127.0.0.1:4190/org/x/resolve/main', PAGE, 'http://127.0.0.1:4190')).toBeNull();
    expect(detailsHostNeedingConsent('https://huggingface.co/org/name/resolve/main', PAGE, 'http://127.0.0.1:4190')).toEqual({ origin: 'https://huggingface.co', host: 'huggingface.co' });
  });

  it('asks before any other host: another domain, port or scheme', () => {
    expect(detailsHostNeedingConsent('https://some.host/folder', PAGE, HUB)).toEqual({ origin: 'https://some.host', host: 'some.host' });
    expect(detailsHostNeedingConsent('http://localhost:9999/folder', PAGE, HUB)).toEqual({ origin: 'http://localhost:9999', host: 'localhost:9999' });
    expect(detailsHostNeedingConsent('https://localhost:4173/folder', PAGE, HUB)).toEqual({ origin: 'https://localhost:4173', host: 'localhost:4173' });
    expect(detailsHostNeedingConsent('https://huggingface.co.evil.example/x', PAGE, HUB)?.host).toBe('huggingface.co.evil.example');
  });

  it('asks about nothing for text that names no model (nothing is fetched for it)', () => {
    for (const model of ['', 'javascript:alert(1)', 'file:///etc/passwd', 'https://user:pw@some.host/x', 'not a repo!']) expect(detailsHostNeedingConsent(model, PAGE, HUB)).toBeNull();
  });
});

describe('consent', () => {
  it('is waited for per origin and remembered', async () => {
    let resolved = false;
    const waiting = whenHostGranted('https://a.example').then(() => (resolved = true));
    grantHostConsent('https://b.example');
    await Promise.resolve();
    expect(resolved).toBe(false);
    grantHostConsent('https://a.example');
    await waiting;
    expect(resolved).toBe(true);
    await whenHostGranted('https://a.example');
    expect(useHostConsentStore.getState().granted).toEqual(['https://b.example', 'https://a.example']);
  });
});
