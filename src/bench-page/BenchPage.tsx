import { useEffect, useState, type CSSProperties } from 'react';
import type { BackendInfo } from '../engine/backend';
import { BENCH_MODES, benchHeader, type BenchMode, type BenchResults, type BenchStat } from '../engine/bench/results';
import { benchResultHash, decodeBenchResults, resultPayloadFromHash } from '../engine/bench/results-link';
import { runBenchSuite, type SuiteProgress } from '../engine/bench/suite';
import { browserRunnerEnv } from '../worker/browser-env';
import { labKernelProbes } from './probes';

/** The latest result, for Playwright (scripts/bench.ts, e2e/bench.spec.ts). */
declare global {
  interface Window {
    benchResults?: BenchResults;
  }
}

const MODE_HELP: Record<BenchMode, string> = {
  ci: 'the smallest complete suite, tiny-gpt2 only: every method, the fused-kernel pairs, no continual run (about a minute on a CPU)',
  quick: 'tiny sizes, few steps (minutes on a CPU, seconds on a GPU)',
  full: 'bigger batches and more steps, for real GPUs',
};

const cell: CSSProperties = { border: '1px solid #cbd5e1', padding: '2px 6px', textAlign: 'right', whiteSpace: 'nowrap' };
const leftCell: CSSProperties = { ...cell, textAlign: 'left' };
const fmtStat = (s: BenchStat, digits: number) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const int = (x: number) => x.toLocaleString('en-US');

function machineDescription(): string {
  const threads = navigator.hardwareConcurrency ? `${navigator.hardwareConcurrency} logical CPUs` : 'unknown CPU count';
  return `${navigator.platform || 'unknown platform'}, ${threads}`;
}

/** A table's header cells, left-aligned. */
function HeaderRow({ names }: { names: string[] }) {
  return (
    <tr>
      {names.map((h) => (
        <th key={h} style={leftCell}>
          {h}
        </th>
      ))}
    </tr>
  );
}

function ResultTables({ results }: { results: BenchResults }) {
  return (
    <section>
      <p data-testid="bench-header">{benchHeader(results)}</p>
      <table data-testid="bench-table" style={{ borderCollapse: 'collapse', fontSize: 13 }}>
        <thead>
          <HeaderRow names={['model', 'task', 'method', 'trainable params', 'step ms, median (min–max)', 'tokens/s, median (min–max)', 'peak GPU MiB', 'stored bytes', 'final val. loss', 'final val. accuracy']} />
        </thead>
        <tbody>
          {results.rows.map((row) => (
            <tr key={`${row.model}/${row.label}`}>
              <td style={leftCell}>{row.model}</td>
              <td style={leftCell}>{row.task ?? results.config.task}</td>
              <td style={leftCell}>{row.label}</td>
              <td style={cell}>{int(row.trainableParams)}</td>
              <td style={cell}>{fmtStat(row.stepMs, 0)}</td>
              <td style={cell}>{fmtStat(row.tokensPerSec, 0)}</td>
              <td style={cell}>{row.peakGpuBytes === null ? '–' : (row.peakGpuBytes / 2 ** 20).toFixed(2)}</td>
              <td style={cell}>{int(row.storedBytes)}</td>
              <td style={cell}>{row.finalLoss === null ? '–' : row.finalLoss.toFixed(3)}</td>
              <td style={cell}>{row.finalAccuracy === null ? '–' : `${(row.finalAccuracy * 100).toFixed(1)}%`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2 style={{ fontSize: 16 }}>Paired ratios (A / B)</h2>
      <table data-testid="bench-ratios" style={{ borderCollapse: 'collapse', fontSize: 13 }}>
        <thead>
          <HeaderRow names={['pair', 'quantity', 'A', 'B', 'A / B, median (min–max)', 'pairs', 'how']} />
        </thead>
        <tbody>
          {results.ratios.map((r) => (
            <tr key={r.id}>
              <td style={leftCell}>{r.pair}</td>
              <td style={leftCell}>{r.quantity}</td>
              <td style={leftCell}>{r.a}</td>
              <td style={leftCell}>{r.b}</td>
              <td style={cell}>{r.pairs === 1 ? `${r.value.median.toFixed(3)}×` : `${fmtStat(r.value, 3)}×`}</td>
              <td style={cell}>{r.pairs}</td>
              <td style={{ ...leftCell, whiteSpace: 'normal' }}>{r.how}</td>
            </tr>
          ))}
          {results.skipped.map((s) => (
            <tr key={s.id}>
              <td style={leftCell}>{s.id}</td>
              <td style={leftCell} colSpan={6}>
                not measured: {s.reason}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function BenchPage({ ready }: { ready: Promise<BackendInfo> }) {
  const [backend, setBackend] = useState<BackendInfo | null>(null);
  const [backendError, setBackendError] = useState<string | null>(null);
  const [mode, setMode] = useState<BenchMode>('quick');
  const [running, setRunning] = useState(false);
  const [progress, setProgress] = useState<SuiteProgress | null>(null);
  const [results, setResults] = useState<BenchResults | null>(null);
  const [fromLink, setFromLink] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);

  useEffect(() => {
    ready.then(setBackend, (e: unknown) => setBackendError(e instanceof Error ? e.message : String(e)));
  }, [ready]);

  // A result link shows that result; decoding validates it and never runs anything.
  useEffect(() => {
    const open = () => {
      const payload = resultPayloadFromHash(location.hash);
      if (payload === null) return;
      decodeBenchResults(payload).then(
        (r) => {
          setResults(r);
          setFromLink(true);
          setError(null);
          window.benchResults = r;
        },
        (e: unknown) => {
          setResults(null);
          setError(e instanceof Error ? e.message : String(e));
        },
      );
    };
    open();
    window.addEventListener('hashchange', open);
    return () => window.removeEventListener('hashchange', open);
  }, []);

  const run = async () => {
    setRunning(true);
    setError(null);
    setResults(null);
    setLink(null);
    setFromLink(false);
    try {
      const info = await ready;
      const r = await runBenchSuite({
        mode,
        env: browserRunnerEnv(new URL('./', location.href).href),
        environment: { machine: machineDescription(), browser: navigator.userAgent, backend: info.backend, adapter: info.adapter },
        probes: labKernelProbes,
        onProgress: setProgress,
      });
      setResults(r);
      window.benchResults = r;
      history.replaceState(null, '', location.pathname + location.search);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setRunning(false);
    }
  };

  const copyLink = async () => {
    if (!results) return;
    const url = `${location.origin}${location.pathname}${await benchResultHash(results)}`;
    history.replaceState(null, '', url);
    setLink(url);
    // The clipboard may be refused (permissions, insecure origin); the link is shown either way.
    void navigator.clipboard?.writeText(url).catch(() => undefined);
  };

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', margin: 16, maxWidth: 1300 }}>
      <h1 style={{ fontSize: 20 }}>PEFT playground — benchmark</h1>
      <p data-testid="bench-intro">
        Measures what each parameter-efficient method costs on this machine’s own GPU: every method trained side by side (alternating steps on identical
        batches), with trainable parameters, tokens per second, memory and final accuracy, then the paired ratios the papers claim (on GPT-2). The
        <em> quick</em> and <em>full</em> modes cover each built-in model (tiny-gpt2, tiny-vit, tiny-t5) and ConPET’s cost growth (Static and Dynamic
        ConPET and Limitless on Split-MNIST: last task over first, in batches and ms); <em>ci</em> covers tiny-gpt2 only. Share the result as a link.{' '}
        <a href="./">Back to the playground</a>
      </p>
      <p data-testid="bench-backend">{backendError ? `backend failed: ${backendError}` : backend ? `backend: ${backend.backend} · ${backend.adapter}` : 'starting backend…'}</p>
      <fieldset disabled={running} style={{ border: 'none', padding: 0 }}>
        {BENCH_MODES.map((m) => (
          <label key={m} style={{ marginRight: 16 }}>
            <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => setMode(m)} data-testid={`bench-mode-${m}`} /> {m} — {MODE_HELP[m]}
          </label>
        ))}
        <div style={{ marginTop: 8 }}>
          <button type="button" onClick={run} disabled={!backend} data-testid="bench-run">
            Run
          </button>{' '}
          <button type="button" onClick={copyLink} disabled={!results} data-testid="bench-copy-link">
            Copy result link
          </button>
        </div>
      </fieldset>
      {running && progress && (
        <p data-testid="bench-progress">
          <progress value={progress.fraction} max={1} /> {progress.message}
        </p>
      )}
      {link && (
        <p>
          Result link: <input readOnly value={link} size={80} data-testid="bench-link" onFocus={(e) => e.currentTarget.select()} />
        </p>
      )}
      {error && (
        <p role="alert" data-testid="bench-error" style={{ color: '#b91c1c' }}>
          {error}
        </p>
      )}
      {fromLink && results && <p data-testid="bench-from-link">Showing a shared result (nothing was run on this machine).</p>}
      {results && <ResultTables results={results} />}
    </main>
  );
}
