import { hashToSpec, LinkError, specToHash, type LinkParseResult } from '../engine/experiment/link';
import { DEFAULT_SPEC, parseExperimentSpec } from '../engine/experiment/spec';
import { archiveResults } from './results-scope-store';
import { useAppStore } from './store';

/**
 * Keeps the URL hash and the edited spec in step: opening a link loads its spec (never runs
 * it), and every edit rewrites the hash in place (replaceState: no history entry per keystroke),
 * so the address bar is always the link to the current experiment.
 */

function readLink(hash: string): LinkParseResult & { fromLink: boolean } {
  if (hash === '' || hash === '#') return { spec: parseExperimentSpec(DEFAULT_SPEC), notices: [], fromLink: false };
  try {
    return { ...hashToSpec(hash), fromLink: true };
  } catch (error) {
    // Only an oversized link throws; the page still opens, on the default experiment.
    const reason = error instanceof LinkError ? error.message : String(error);
    return { spec: parseExperimentSpec(DEFAULT_SPEC), notices: [`link refused (${reason}); the default experiment is shown`], fromLink: false };
  }
}

function writeHash(): void {
  try {
    const hash = specToHash(useAppStore.getState().spec);
    if (location.hash.slice(1) !== hash) history.replaceState(history.state, '', `#${hash}`);
  } catch {
    // A spec the link format cannot carry (only possible from code, not from the UI) leaves
    // the address as it is rather than writing a wrong link.
  }
}

function loadFromLocation(): void {
  const { spec, notices, fromLink } = readLink(location.hash);
  useAppStore.getState().loadLink(spec, notices, fromLink);
  writeHash();
}

export function startLinkSync(): void {
  loadFromLocation();
  useAppStore.subscribe((state, previous) => {
    if (state.spec !== previous.spec) writeHash();
  });
  // A link pasted into the address bar of an open page.
  // Another experiment replaces the one the results on screen belong to: they go to Run history.
  window.addEventListener('hashchange', () => {
    archiveResults();
    loadFromLocation();
  });
}
