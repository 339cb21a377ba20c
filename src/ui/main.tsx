import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { PageErrorBoundary } from './components/PageErrorBoundary';
import { startLinkSync } from './link-sync';
import { initTraining } from './training-client';
import './styles.css';

// The link is read before the first render, so the page opens on the linked experiment. Should
// that ever throw, the page says so (PageErrorBoundary) instead of staying blank.
let startupError: unknown = null;
try {
  startLinkSync();
} catch (error) {
  startupError = error;
}
void initTraining();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <PageErrorBoundary initialError={startupError}>
      <App />
    </PageErrorBoundary>
  </StrictMode>,
);
