import { useAppStore } from '../store';

/** Says so when training will not run on WebGPU (and why), since everything is then slower. */
export function BackendBanner() {
  const backend = useAppStore((s) => s.backend);
  const backendError = useAppStore((s) => s.backendError);
  if (backendError) {
    return (
      <div className="banner banner-error" role="alert">
        No training backend could start: {backendError}
      </div>
    );
  }
  if (!backend || backend.backend === 'webgpu') return null;
  const webgpu = backend.fallbacks.find((f) => f.backend === 'webgpu');
  if (!webgpu) {
    // WebGPU was not tried: the address asked for another backend (?backend=…).
    return (
      <div className="banner" role="status" data-testid="backend-banner">
        Training runs on <strong>{backend.backend}</strong> ({backend.adapter}), as the <code>?backend=</code> setting in the address asks; remove it to use WebGPU.
      </div>
    );
  }
  return (
    <div className="banner" role="status" data-testid="backend-banner">
      <strong>WebGPU is not available</strong> ({webgpu.reason}). Training runs on <strong>{backend.backend}</strong> ({backend.adapter}) instead, which is
      slower on a real GPU; the numbers mean the same.
    </div>
  );
}
