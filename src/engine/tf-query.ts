/**
 * What tfjs reads of the page's address when it is imported: tfjs-core's Environment looks for
 * `?tfjsflags=` by running decodeURIComponent on every parameter of `location.search`, and a
 * `%` that starts no valid escape (`?x=%%`) throws URIError at import, so nothing of a page that
 * imports tfjs runs. (In a worker it reads the worker script's own URL, which has no query.)
 *
 * Pages that import tfjs (the kernel lab, the benchmark page) first re-escape such parameters
 * (`%` → `%25`, which always decodes) and only then import their tensor code. The app's page
 * never imports tfjs at all (tests/ui/page-bundle.test.ts).
 */

/** tfjs-core's own split of a query into names and values (Environment.getQueryParams). */
const SEPARATORS = /[^?&=]+/g;

/** The decoded text, or null where decodeURIComponent throws (its value is used: a minifier may drop a bare call). */
function decoded(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * The query with every name or value that decodeURIComponent rejects re-escaped, so that tfjs
 * can parse it; null when every part decodes already. A valid escape never spans `?`, `&` or
 * `=`, so checking the parts between them is checking each name and value as tfjs does.
 */
export function tfjsSafeQuery(search: string): string | null {
  let changed = false;
  const safe = search.replace(SEPARATORS, (part) => {
    if (decoded(part) !== null) return part;
    changed = true;
    return part.replace(/%/g, '%25');
  });
  return changed ? safe : null;
}

/** Rewrites this page's address (history.replaceState, no reload) when tfjs could not parse its query. */
export function makeQuerySafeForTfjs(): void {
  if (typeof location === 'undefined' || typeof history === 'undefined') return;
  const safe = tfjsSafeQuery(location.search);
  if (safe !== null) history.replaceState(history.state, '', `${location.pathname}${safe}${location.hash}`);
}
