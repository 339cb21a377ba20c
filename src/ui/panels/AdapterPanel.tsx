import { useState } from 'react';
import { methodInfo } from '../../engine/methods/catalog';
import { adapterDownload, adapterDownloadBytes, adapterZipName, readChosenAdapter, specForAdapter, type ImportedAdapter } from '../adapter-import';
import { formatBytes } from '../format';
import { useModelShape } from '../model-info';
import { isActive } from '../run-state';
import { useAppStore } from '../store';
import { startRun } from '../training-client';

function saveBytes(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Adapters in Hugging Face PEFT's files: each trained run's adapter as a `.zip` of
 * adapter_config.json + adapter_model.safetensors (what `train --save-adapter` writes), and an
 * adapter chosen here becomes the next run's starting point: 0 steps evaluate it, more continue
 * training it. A file that does not fit changes nothing.
 */
export function AdapterPanel() {
  const runs = useAppStore((s) => s.runs);
  const runSpec = useAppStore((s) => s.runSpec);
  const spec = useAppStore((s) => s.spec);
  const setSpec = useAppStore((s) => s.setSpec);
  const status = useAppStore((s) => s.status);
  const backend = useAppStore((s) => s.backend);
  const model = useModelShape(spec.model);
  const [imported, setImported] = useState<ImportedAdapter | null>(null);
  const [steps, setSteps] = useState(0);
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const active = isActive(status);

  const downloadable = active ? [] : runs.filter((r) => r.adapterFiles);
  const fullRun = !active && runs.some((r) => r.method === 'full' && r.summary);

  const importFiles = async (files: File[]) => {
    const label = files.map((f) => f.name).join(' + ') || 'nothing';
    try {
      if (model.state !== 'ready') throw new Error(model.state === 'loading' ? `the selected model's config.json is still loading; choose the file again in a moment` : `the selected model could not be read (${model.error})`);
      const chosen = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
      const adapter = readChosenAdapter(chosen, spec.model, model.value.model.family, { shape: model.value.shape, taskId: spec.task });
      // Checked before anything changes: a spec the schema refuses names its field here.
      const next = specForAdapter(spec, adapter.description, spec.steps);
      setSpec(next);
      setImported(adapter);
      setSteps(0);
      const d = adapter.description;
      setMessage({ kind: 'ok', text: `Loaded ${adapter.fileName}: ${methodInfo(d.method).title} on task "${d.task.id}" (base ${d.baseModel || 'unknown'}). The experiment now uses its method, options and task.` });
    } catch (error) {
      setMessage({ kind: 'error', text: `Could not import ${label}: ${error instanceof Error ? error.message : String(error)}. Nothing was changed.` });
    }
  };

  const runFromAdapter = () => {
    if (!imported) return;
    let next;
    try {
      next = specForAdapter(spec, imported.description, steps);
    } catch (error) {
      setMessage({ kind: 'error', text: `Could not start from ${imported.fileName}: ${error instanceof Error ? error.message : String(error)}.` });
      return;
    }
    setSpec(next);
    void startRun(next, { initialAdapters: [imported.tensors] });
  };

  return (
    <section className="panel" aria-labelledby="adapters-heading" data-testid="adapters">
      <h2 id="adapters-heading">Adapters: PEFT files in and out</h2>
      <p className="hint">
        A trained run’s adapter downloads as a .zip of <code>adapter_config.json</code> and <code>adapter_model.safetensors</code>: LoRA and prompt tuning in Hugging Face
        PEFT’s layout (<code>PeftModel.from_pretrained</code> loads them on the same base model), the other methods in this playground’s documented layout. The CLI’s{' '}
        <code>forward --adapter</code> reads the same zip.
      </p>
      <h3>Download</h3>
      {downloadable.length === 0 ? (
        <p className="hint">{active ? 'Adapters can be downloaded when the run has finished.' : 'After a run (not a task stream), each trained run’s adapter can be downloaded here.'}</p>
      ) : (
        <div className="buttons">
          {downloadable.map((run) => (
            <button
              key={run.runId}
              type="button"
              data-testid="adapter-download"
              data-method={run.method}
              onClick={() => runSpec && saveBytes(adapterDownload(run.adapterFiles!), adapterZipName(runSpec.model, runSpec.task, run.method))}
            >
              Download adapter: {methodInfo(run.method).title} ({formatBytes(adapterDownloadBytes(run.adapterFiles!))})
            </button>
          ))}
        </div>
      )}
      {fullRun && <p className="hint">Full fine-tuning has no adapter to download: its file would be a copy of the whole model (the CLI’s --save-adapter still writes it).</p>}
      <h3>Start from an adapter</h3>
      <label>
        Adapter (.zip, or both files){' '}
        <input
          type="file"
          multiple
          accept=".zip,application/zip,.json,.safetensors"
          data-testid="adapter-import-input"
          disabled={active}
          onChange={(event) => {
            const files = [...(event.target.files ?? [])];
            if (files.length > 0) void importFiles(files);
            // The same file may be chosen again after a fix.
            event.target.value = '';
          }}
        />
      </label>
      {message && (
        <p role={message.kind === 'error' ? 'alert' : 'status'} className={message.kind === 'error' ? 'field-error' : 'hint'} data-testid={`adapter-import-${message.kind}`}>
          {message.text}
        </p>
      )}
      {imported && (
        <div data-testid="adapter-imported">
          {imported.warnings.map((warning) => (
            <p key={warning} className="callout" role="status" data-testid="adapter-import-warning">
              {warning}
            </p>
          ))}
          <div className="buttons">
            <label>
              Steps from the adapter (0 = evaluate it){' '}
              <input type="number" min={0} max={1_000_000} step={1} value={steps} disabled={active} onChange={(event) => setSteps(Math.max(0, Math.floor(Number(event.target.value) || 0)))} />
            </label>
            <button type="button" className="primary" disabled={active || backend === null} onClick={runFromAdapter}>
              {steps === 0 ? 'Evaluate the adapter' : 'Train from the adapter'}
            </button>
            <button type="button" disabled={active} onClick={() => (setImported(null), setMessage(null))}>
              Forget the adapter
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
