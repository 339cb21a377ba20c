import { useRef, useState } from 'react';
import { useAppStore } from '../store';
import { useSweepStore } from '../sweep-store';
import { exportRunsText, importedRunSeries, parseRunExport } from '../run-files';
import { isActive } from '../run-state';

let importSerial = 0;

/**
 * Export this page's runs as a JSON file (spec, metrics, machine), and import files made
 * elsewhere to compare machines on the same charts and table. A bad file changes nothing.
 */
export function RunExportPanel() {
  const runs = useAppStore((s) => s.runs);
  const runSpec = useAppStore((s) => s.runSpec);
  const backend = useAppStore((s) => s.backend);
  const status = useAppStore((s) => s.status);
  const importedRuns = useAppStore((s) => s.importedRuns);
  const addImportedRuns = useAppStore((s) => s.addImportedRuns);
  const clearImportedRuns = useAppStore((s) => s.clearImportedRuns);
  const sweep = useSweepStore((s) => s.run);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const finished = runs.filter((r) => r.steps.length > 0 || r.summary);
  const canExport = !!runSpec && finished.length > 0 && !isActive(status);

  const exportRuns = () => {
    if (!runSpec) return;
    const text = exportRunsText(runSpec, finished, backend, sweep && sweep.variants.some((v) => v.point) ? sweep : null);
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `peft-runs-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };

  const importFile = async (file: File) => {
    try {
      const parsed = parseRunExport(await file.text());
      const series = importedRunSeries(parsed, ++importSerial);
      addImportedRuns(series);
      setMessage({ kind: 'ok', text: `Imported ${series.length} run${series.length === 1 ? '' : 's'} from ${file.name} (${parsed.environment.backend}, ${parsed.environment.adapter}, ${parsed.environment.date}).` });
    } catch (error) {
      setMessage({ kind: 'error', text: `Could not import ${file.name}: ${error instanceof Error ? error.message : String(error)}. Nothing was changed.` });
    }
  };

  return (
    <section className="panel" aria-labelledby="run-export-heading" data-testid="run-export">
      <h2 id="run-export-heading">Compare machines: export and import runs</h2>
      <p className="hint">
        Export saves the finished runs (experiment, metrics, and this machine’s backend and GPU adapter) as JSON. Import shows runs made elsewhere on the same charts
        and table, labelled with their machine.
      </p>
      <div className="buttons">
        <button type="button" onClick={exportRuns} disabled={!canExport}>
          Export runs (JSON)
        </button>
        <label>
          Import runs (JSON){' '}
          <input
            ref={input}
            type="file"
            accept="application/json,.json"
            data-testid="run-import-input"
            onChange={(event) => {
              const file = event.target.files?.[0];
              if (file) void importFile(file);
              // The same file may be chosen again after a fix.
              event.target.value = '';
            }}
          />
        </label>
        {importedRuns.length > 0 && (
          <button type="button" onClick={() => (clearImportedRuns(), setMessage(null))}>
            Remove imported runs ({importedRuns.length})
          </button>
        )}
      </div>
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind === 'error' ? 'field-error' : 'hint'} data-testid={`run-import-${message.kind}`}>
          {message.text}
        </p>
      )}
    </section>
  );
}
