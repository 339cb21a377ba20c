import { useAppStore } from '../store';

export function Header() {
  const backend = useAppStore((s) => s.backend);
  const backendError = useAppStore((s) => s.backendError);
  return (
    <header className="app-header">
      <h1>PEFT playground</h1>
      <p className="tagline" data-testid="tagline">
        Fine-tune tiny GPT-2, T5 and ViT models in this browser, on your own GPU, and compare parameter-efficient methods side by side: what each trains
        (parameters, memory, speed) and what it learns (loss, accuracy). Any experiment is a link that replays it.
      </p>
      <p className="backend" data-testid="backend" aria-live="polite">
        <span className="visually-hidden">Backend: </span>
        {backend ? `${backend.backend} · ${backend.adapter}` : backendError ? 'no backend' : 'starting backend…'}
      </p>
    </header>
  );
}
