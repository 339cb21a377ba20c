import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { startLinkSync } from './link-sync';
import { initTraining } from './training-client';
import './styles.css';

// The link is read before the first render, so the page opens on the linked experiment.
startLinkSync();
void initTraining();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
