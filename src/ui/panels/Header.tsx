import { useAppStore } from '../store';

export function Header() {
  const backend = useAppStore((s) => s.backend);
  const backendError = useAppStore((s) => s.backendError);
  return (
    <header className="app-header">
      <h1>PEFT playground</h1>
      <p className="tagline">Full fine-tuning, head-only, prompt tuning, LoRA, DePT, NOLA, deep prompts and APT on tiny GPT-2, T5 and ViT checkpoints, trained side by side in your browser.</p>
      <p className="backend" data-testid="backend" aria-live="polite">
        <span className="visually-hidden">Backend: </span>
        {backend ? `${backend.backend} · ${backend.adapter}` : backendError ? 'no backend' : 'starting backend…'}
      </p>
    </header>
  );
}
