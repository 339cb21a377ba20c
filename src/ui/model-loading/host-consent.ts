import { create } from 'zustand';
import { parseModelRef } from '../../engine/io/model-ref';
import { pageHubEndpoint } from '../hub-endpoint';
import { useModelLoadStore } from './model-load-store';

/**
 * Opening a link contacts no host the reader has not agreed to: before the first click the
 * page may read only from its own origin and from the configured hub endpoint (`?hub=`, by
 * default huggingface.co). A link naming a checkpoint URL on any other host shows that host and
 * waits for "Fetch details from <host>"; otherwise whoever made the link would learn the IP
 * address and time of everyone who opens it. A model already in this browser's cache needs no
 * request at all, so it needs no consent either. Consent is per origin, for this page's life.
 */

export interface DetailsHost {
  /** e.g. "https://models.example.org:8443": what consent is given to. */
  origin: string;
  /** e.g. "models.example.org:8443": what the reader is shown. */
  host: string;
}

/**
 * The host whose consent reading `model`'s details needs, or null when the page may read them
 * at once: built-in models (this origin), hub ids (the hub endpoint), dropped folders, text that
 * names no model (nothing is fetched for it), and URLs on this origin or the hub's.
 */
export function detailsHostNeedingConsent(model: string, pageOrigin: string, hubEndpoint: string): DetailsHost | null {
  if (model.startsWith('local:')) return null;
  let url: URL;
  try {
    const ref = parseModelRef(model);
    if (ref.kind !== 'url') return null;
    url = new URL(ref.url);
  } catch {
    return null;
  }
  let hubOrigin: string | null = null;
  try {
    hubOrigin = new URL(hubEndpoint).origin;
  } catch {
    // no hub: nothing but this origin is trusted
  }
  if (url.origin === pageOrigin || url.origin === hubOrigin) return null;
  return { origin: url.origin, host: url.host };
}

interface HostConsentState {
  /** Origins the reader clicked "Fetch details from …" for. */
  granted: readonly string[];
  grant(origin: string): void;
}

export const useHostConsentStore = create<HostConsentState>()((set, get) => ({
  granted: [],
  grant(origin) {
    if (!get().granted.includes(origin)) set({ granted: [...get().granted, origin] });
  },
}));

export function grantHostConsent(origin: string): void {
  useHostConsentStore.getState().grant(origin);
}

const pageOrigin = (): string => (typeof location === 'undefined' ? '' : location.origin);

/** This page's view: the host `model` needs consent for, or null (see detailsHostNeedingConsent). */
export function pageDetailsHost(model: string): DetailsHost | null {
  return detailsHostNeedingConsent(model, pageOrigin(), pageHubEndpoint());
}

/** Resolves once reading from `origin` is agreed to (at once if it already is). */
export function whenHostGranted(origin: string): Promise<void> {
  if (useHostConsentStore.getState().granted.includes(origin)) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = useHostConsentStore.subscribe((state) => {
      if (!state.granted.includes(origin)) return;
      stop();
      resolve();
    });
  });
}

/**
 * For the model panel: the host still waiting for the reader's click, or null. A model the
 * cache lists is read from the cache, so it waits for nothing.
 */
export function usePendingDetailsHost(model: string): DetailsHost | null {
  const granted = useHostConsentStore((s) => s.granted);
  const cached = useModelLoadStore((s) => s.cached?.some((c) => c.model === model) ?? false);
  const host = pageDetailsHost(model);
  return host && !granted.includes(host.origin) && !cached ? host : null;
}
