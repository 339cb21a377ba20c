import { useSweepStore } from '../sweep-store';
import { TOUR_STEPS, tourStepHash } from '../tour-steps';

/**
 * A guided tour for a class: each step is a link (it loads the experiment, never runs it) with a
 * paragraph on what to look at. A step with a sweep also selects that preset.
 */
export function GuidedTour() {
  const select = useSweepStore((s) => s.select);
  return (
    <section className="panel" aria-labelledby="tour-heading" data-testid="guided-tour">
      <h2 id="tour-heading">Guided tour (for a class)</h2>
      <ol style={{ paddingLeft: 18, margin: 0 }}>
        {TOUR_STEPS.map((step) => (
          <li key={step.id} data-step={step.id} style={{ marginBottom: 8 }}>
            <a href={tourStepHash(step)} onClick={() => select(step.presetId ?? null)}>
              {step.title}
            </a>
            <p className="hint">{step.paragraph}</p>
          </li>
        ))}
      </ol>
    </section>
  );
}
