/**
 * `npm run bench:gpu:bundle [-- --out DIR]`: one folder (default dist-gpu-bundle/, < 60 MiB) that
 * runs `npm run bench:gpu` on a bare x86-64 Linux machine with a GPU driver but no Node:
 * `sh run.sh`. It holds the bench bundled into one file (esbuild), Dawn's dawn.node (the `webgpu`
 * package), the Vulkan loader (Debian's libvulkan1, copied from this machine, not installed
 * there), this Node binary xz-compressed, the WGSL shaders, tiny-gpt2 and its task data, and the
 * PyTorch peer. The GPT-2-small-shaped checkpoint is generated there (seeded), not carried.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';
import { PUBLIC_DIR, REPO_ROOT, SHADERS_DIR } from '../src/cli/node-env';

const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const out = path.resolve(outIndex >= 0 ? args[outIndex + 1] : path.join(REPO_ROOT, 'dist-gpu-bundle'));
const limitBytes = 60 * 2 ** 20;
const peersDir = path.join(REPO_ROOT, '..', 'shared', 'peers');
const require = createRequire(import.meta.url);

const VULKAN_LOADER_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu'];
const loader = VULKAN_LOADER_DIRS.map((d) => path.join(d, 'libvulkan.so.1')).find((f) => existsSync(f));
if (!loader) throw new Error('no Vulkan loader to carry: apt-get install -y --no-install-recommends libvulkan1');
if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`the bundle is for linux-x64; this is ${process.platform}-${process.arch}`);

rmSync(out, { recursive: true, force: true });
for (const dir of ['lib', 'node', 'peers', 'public/models', 'public/data', 'node_modules/webgpu/dist']) mkdirSync(path.join(out, dir), { recursive: true });

// 1. The bench in one ES module; `webgpu` stays a package (it loads dawn.node by path).
await build({
  entryPoints: [path.join(REPO_ROOT, 'scripts', 'bench-gpu.ts')],
  outfile: path.join(out, 'bench-gpu.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  logLevel: 'warning',
  // CommonJS inside the bundle (tfjs's Node builds) asks for require and __dirname.
  banner: { js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" },
});

// 2. Dawn for linux-x64 only.
const webgpuDir = path.dirname(require.resolve('webgpu/package.json'));
for (const file of ['package.json', 'index.js', 'LICENSE.md']) cpSync(path.join(webgpuDir, file), path.join(out, 'node_modules', 'webgpu', file));
cpSync(path.join(webgpuDir, 'dist', 'linux-x64'), path.join(out, 'node_modules', 'webgpu', 'dist', 'linux-x64'), { recursive: true });

// 3. The Vulkan loader (the file, not its symlink), 4. Node, compressed.
cpSync(realpathSync(loader), path.join(out, 'lib', 'libvulkan.so.1'));
const nodeStage = path.join(out, 'node', 'node');
cpSync(process.execPath, nodeStage);
const tar = spawnSync('sh', ['-c', `tar -cf - -C "${path.dirname(nodeStage)}" node | xz -6 -T0 > "${nodeStage}.tar.xz"`], { stdio: 'inherit' });
if (tar.status !== 0) throw new Error('packing node with tar | xz failed');
rmSync(nodeStage);

// 5. What the bench reads: shaders, tiny-gpt2 and lm-spam's data, the peer.
cpSync(SHADERS_DIR, path.join(out, 'shaders'), { recursive: true });
cpSync(path.join(PUBLIC_DIR, 'models', 'tiny-gpt2'), path.join(out, 'public', 'models', 'tiny-gpt2'), { recursive: true });
cpSync(path.join(PUBLIC_DIR, 'data', 'spam-lm.json'), path.join(out, 'public', 'data', 'spam-lm.json'));
if (existsSync(path.join(peersDir, 'torch_gpt2.py'))) cpSync(path.join(peersDir, 'torch_gpt2.py'), path.join(out, 'peers', 'torch_gpt2.py'));
cpSync(path.join(REPO_ROOT, 'scripts', 'gpu-bundle', 'run.sh'), path.join(out, 'run.sh'));
chmodSync(path.join(out, 'run.sh'), 0o755);
const commit = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trim() ?? '';
writeFileSync(path.join(out, 'VERSION'), `peft-playground ${commit}\nnode ${process.version}\n`);

function sizeOf(p: string): number {
  const s = statSync(p);
  return s.isDirectory() ? readdirSync(p).reduce((n, f) => n + sizeOf(path.join(p, f)), 0) : s.size;
}
const total = sizeOf(out);
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
for (const part of ['bench-gpu.mjs', 'node_modules', 'node', 'lib', 'public', 'shaders']) console.log(`${part.padEnd(14)} ${mib(sizeOf(path.join(out, part)))}`);
console.log(`${out}: ${mib(total)} in all (limit ${mib(limitBytes)}); run it with: sh run.sh`);
if (total > limitBytes) {
  console.error(`the bundle is over ${mib(limitBytes)}`);
  process.exit(1);
}
