import { useState } from 'react';

/**
 * Copies the page's address, which link-sync keeps equal to the link of the edited spec. If
 * the clipboard is refused (permissions, insecure context), the link is shown to copy by hand.
 */
export function CopyLinkButton() {
  const [result, setResult] = useState<{ ok: boolean; link: string } | null>(null);
  const copy = async () => {
    const link = location.href;
    try {
      await navigator.clipboard.writeText(link);
      setResult({ ok: true, link });
    } catch {
      setResult({ ok: false, link });
    }
  };
  return (
    <div className="copy-link">
      <button type="button" onClick={copy}>
        Copy link
      </button>
      <span role="status" className="hint">
        {result?.ok && 'Link copied: it replays this experiment, seed included.'}
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
