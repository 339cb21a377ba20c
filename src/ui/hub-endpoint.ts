import { DEFAULT_HUB_ENDPOINT } from '../engine/io/model-ref';

/**
 * `?hub=` (mirrors, a company hub, and the tests' local stand-in): where hub repo ids are
 * downloaded from. Only an http(s) origin is taken; anything else keeps huggingface.co. The
 * host is shown before every download, so a link cannot hide where weights come from.
 */
export function hubEndpointFromQuery(search: string): string {
  const raw = new URLSearchParams(search).get('hub');
  if (!raw) return DEFAULT_HUB_ENDPOINT;
  try {
    const url = new URL(raw);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && !url.search && !url.hash) {
      return url.href.replace(/\/+$/, '');
    }
  } catch {
    // not a URL: the default
  }
  return DEFAULT_HUB_ENDPOINT;
}

/** This page's hub endpoint. */
export function pageHubEndpoint(): string {
  return hubEndpointFromQuery(typeof location === 'undefined' ? '' : location.search);
}
