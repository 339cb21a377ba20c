import { useAppStore } from '../store';

/**
 * What was wrong with the opened link. Notices quote parts of an untrusted link, so they are
 * rendered as React text (escaped), never as HTML.
 */
export function LinkNotices() {
  const notices = useAppStore((s) => s.notices);
  const dismissNotice = useAppStore((s) => s.dismissNotice);
  const dismissAll = useAppStore((s) => s.dismissAllNotices);
  if (notices.length === 0) return null;
  return (
    <section className="banner notices" role="status" aria-labelledby="notices-heading" data-testid="link-notices">
      <h2 id="notices-heading">The link had problems; defaults were used where noted</h2>
      <ul>
        {notices.map((notice, i) => (
          <li key={`${i}:${notice}`}>
            <span>{notice}</span>
            <button type="button" className="small" aria-label={`Dismiss notice ${i + 1}`} onClick={() => dismissNotice(i)}>
              Dismiss
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="small" onClick={dismissAll}>
        Dismiss all
      </button>
    </section>
  );
}
