import { useEffect, useState } from 'react';

/** How long "Link copied" stays (it fades out over its last second). */
export const COPIED_NOTE_MS = 4000;

/**
 * Copies the page's address, which link-sync keeps equal to the link of the edited spec. If
 * the clipboard is refused (permissions, insecure context), the link is shown to copy by hand.
 * The confirmation fades after a few seconds: it is news, not state.
 */
export function CopyLinkButton() {
  const [result, setResult] = useState<{ ok: boolean; link: string; at: number } | null>(null);
  const copy = async () => {
    const link = location.href;
    try {
      await navigator.clipboard.writeText(link);
      setResult({ ok: true, link, at: Date.now() });
    } catch {
      setResult({ ok: false, link, at: Date.now() });
    }
  };
  useEffect(() => {
    if (!result?.ok) return;
    const timer = setTimeout(() => setResult(null), COPIED_NOTE_MS);
    return () => clearTimeout(timer);
  }, [result]);
  return (
    <div className="copy-link">
      <button type="button" onClick={copy}>
        Copy link
      </button>
      <span role="status" className="hint">
        {result?.ok && (
          <span key={result.at} className="fading-note" data-testid="link-copied" style={{ animationDuration: `${COPIED_NOTE_MS}ms` }}>
            Link copied: it replays this experiment, seed included.
          </span>
        )}
      </span>
      {result && !result.ok && (
        <label className="field">
          The clipboard is not available; copy the link from here:
          <input type="text" readOnly value={result.link} onFocus={(event) => event.currentTarget.select()} />
        </label>
      )}
    </div>
  );
}
