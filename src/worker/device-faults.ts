import { tf } from '../engine/tf';
import { initBackend, type BackendInfo } from '../engine/backend';
import { TrainingFault, faultMessage } from '../engine/experiment/faults';

/**
 * The worker's watch over the WebGPU device tfjs trains on. WebGPU reports a lost device
 * (driver reset, GPU removed, `destroy()`) through the `device.lost` promise, and an allocation
 * that does not fit as a GPUOutOfMemoryError on `uncapturederror` (tfjs uses no error scopes);
 * neither makes a tfjs call throw reliably, so the runner asks this between steps.
 */

interface WebgpuBackendLike {
  device: GPUDevice;
}

let watched: GPUDevice | null = null;
let noticed: TrainingFault | null = null;

function currentDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as WebgpuBackendLike).device ?? null;
}

/** Starts watching the current backend's device (no-op off WebGPU or if already watched). */
export function watchDevice(): void {
  const device = currentDevice();
  if (!device || device === watched) return;
  watched = device;
  noticed = null;
  void device.lost.then((info) => {
    if (watched !== device) return;
    const reason = info.message || info.reason || 'unknown reason';
    noticed = new TrainingFault('device-lost', faultMessage('device-lost', reason), 0, null);
  });
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    if (watched === device && error.constructor.name === 'GPUOutOfMemoryError' && !noticed) {
      noticed = new TrainingFault('oom', faultMessage('oom', error.message), 0, null);
    }
  });
}

/** The fault seen on the device since it was watched, if any. */
export function deviceFault(): TrainingFault | null {
  return noticed;
}

/** How long a failed step waits for the device's `lost` promise before calling the error a plain one. */
const LOST_SETTLE_MS = 2000;

/**
 * A step failed with an error we do not recognise: if the device is being lost, its `lost`
 * promise settles shortly after (Chromium fails the pending `mapAsync` first, with "Buffer was
 * unmapped before mapping was resolved"). Waits for it a little and answers with the fault.
 */
export async function diagnoseDeviceFault(): Promise<TrainingFault | null> {
  const device = watched;
  if (noticed || !device) return noticed;
  await Promise.race([device.lost.then(() => new Promise((resolve) => setTimeout(resolve, 0))), new Promise((resolve) => setTimeout(resolve, LOST_SETTLE_MS))]);
  return noticed;
}

/** Whether the current device is lost (a resume must re-create it first). */
export function deviceIsLost(): boolean {
  return noticed?.kind === 'device-lost';
}

/**
 * For tests and the `?debug=faults` page: destroys the real GPUDevice, so the real `device.lost`
 * path runs (buffers die, the promise resolves with reason "destroyed"). False off WebGPU.
 */
export function destroyDevice(): boolean {
  const device = currentDevice();
  if (!device) return false;
  device.destroy();
  return true;
}

/**
 * A new WebGPU backend on a new device after the old one was lost: tfjs keeps one backend
 * instance per name, so the broken one is removed (its buffers are already gone with the
 * device) and the name registered again with the same factory tfjs-backend-webgpu's `base.ts`
 * uses (adapter → device with the adapter's limits → WebGPUBackend), then started through
 * initBackend, which re-registers our custom kernels (idempotent). Tensors of the old backend
 * are dead: runs are rebuilt from their checkpoint; host-side checkpoints are unaffected.
 */
export async function recreateWebgpuBackend(wasmPaths: string | Record<string, string>): Promise<BackendInfo> {
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error('no WebGPU adapter is available any more');
      const requiredFeatures: GPUFeatureName[] = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
      const limits = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        },
      });
      return new WebGPUBackend(device, adapter.info);
    },
    3,
  );
  const info = await initBackend({ order: ['webgpu'], wasmPaths });
  watchDevice();
  return info;
}
