import { Component, type ErrorInfo, type ReactNode } from 'react';

/**
 * The last line of defence: whatever throws while the page renders (or while it reads its link
 * before the first render), the reader gets a message and a way out instead of a blank page.
 * The way out is the page's own address without query or hash: the default experiment.
 */

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return 'an unknown error';
  }
}

/** The page's address with no query and no link: what "reset to defaults" opens. */
export function defaultsHref(): string {
  return typeof location === 'undefined' ? './' : location.pathname;
}

export function PageError({ error }: { error: unknown }) {
  return (
    <main className="page-error" role="alert" data-testid="page-error">
      <h1>PEFT playground</h1>
      <p>Something went wrong while showing this page, so it stopped here rather than show something half-drawn.</p>
      {/* Rendered as text: an error message may quote a hostile link. */}
      <pre className="page-error-message">{errorText(error)}</pre>
      <p>
        <a href={defaultsHref()} data-testid="reset-to-defaults">
          Reset to defaults
        </a>{' '}
        opens the playground on its default experiment, without this page’s link. Runs saved in this browser are kept.
      </p>
    </main>
  );
}

interface Props {
  children: ReactNode;
  /** An error from before the first render (reading the link), shown at once. */
  initialError?: unknown;
}

export class PageErrorBoundary extends Component<Props, { error: unknown; failed: boolean }> {
  constructor(props: Props) {
    super(props);
    const failed = props.initialError !== undefined && props.initialError !== null;
    this.state = { error: failed ? props.initialError : null, failed };
  }

  static getDerivedStateFromError(error: unknown) {
    return { error, failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('the page failed to render', error, info.componentStack);
  }

  override render() {
    return this.state.failed ? <PageError error={this.state.error} /> : this.props.children;
  }
}
