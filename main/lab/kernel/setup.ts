/**
 * `probe-lab lab-kernel setup`: builds the lab kernel from Debian's packages. Only vmlinuz (and the
 * few virtio modules the guest needs) is extracted from the kernel package, never installed; the
 * initramfs is the static busybox plus our guest init, packed with `busybox cpio -o -H newc` (no
 * root needed). Idempotent: a manifest records what was built from what, and a second run that
 * finds the same inputs does nothing. Every failure is a LabError KERNEL_SETUP_FAILED naming what
 * is missing.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { LabError } from '../../util/errors';
import { writeFileAtomic } from '../../util/atomic-file';
import { labKernelPaths, type LabKernelPaths } from './paths';

/** The cloud flavour boots twice as fast under emulation as the generic one (LZ4, fewer drivers). */
export const KERNEL_META_PACKAGE = 'linux-image-cloud-amd64';
/** Host packages the lab kernel needs, by the command that proves each is there. */
export const HOST_PACKAGES = [
  { pkg: 'qemu-system-x86', file: 'qemu-system-x86_64' },
  { pkg: 'busybox-static', file: 'busybox' },
] as const;
/** virtio is modular in the cloud kernel; the guest init loads these, in this order. */
export const GUEST_MODULES = [
  'drivers/virtio/virtio_ring.ko',
  'drivers/virtio/virtio.ko',
  'drivers/virtio/virtio_pci_legacy_dev.ko',
  'drivers/virtio/virtio_pci_modern_dev.ko',
  'drivers/virtio/virtio_pci.ko',
  'drivers/block/virtio_blk.ko',
  'net/core/failover.ko',
  'drivers/net/net_failover.ko',
  'drivers/net/virtio_net.ko',
] as const;
const BUSYBOX_PATHS = ['/bin/busybox', '/usr/bin/busybox'];
const MANIFEST_VERSION = 2;
/** Files of resources/lab-kernel/ packed into the initramfs, and where. */
export const RECIPE_FILES = [
  { name: 'init', dest: 'init' },
  { name: 'stresstest', dest: 'bin/stresstest' },
] as const;

export const ManifestSchema = z
  .object({
    version: z.literal(MANIFEST_VERSION),
    kernelPackage: z.string().min(1),
    kernelRelease: z.string().min(1),
    vmlinuzSha256: z.string().length(64),
    initramfsSha256: z.string().length(64),
    /** Inputs of the initramfs (the recipe files and busybox): a change in either rebuilds it. */
    recipeSha256: z.string().length(64),
    busyboxSha256: z.string().length(64),
    modules: z.array(z.string()),
    builtAt: z.string(),
    buildMs: z.number(),
  })
  .strict();
export type LabKernelManifest = z.infer<typeof ManifestSchema>;

export interface SetupOptions {
  paths?: LabKernelPaths;
  /** One line per step, for the CLI. */
  log?: (line: string) => void;
  /** apt-get install missing host packages (default: only when running as root). */
  installMissing?: boolean;
  /** Rebuild even when the manifest says everything is current. */
  force?: boolean;
  /** Where host commands are looked up (default: PATH). */
  pathVar?: string;
}

export interface SetupResult {
  /** false when everything was already in place. */
  changed: boolean;
  installedPackages: string[];
  downloaded: string[];
  manifest: LabKernelManifest;
  paths: LabKernelPaths;
  ms: number;
}

const fail = (message: string): never => {
  throw new LabError('KERNEL_SETUP_FAILED', message);
};

interface RunOptions {
  cwd?: string;
  input?: string;
  /** The Debian package that provides the command, named in the error when it is missing. */
  pkg?: string;
}

/** Runs a command to completion and returns stdout as a Buffer; a failure names the command and its stderr. */
function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e: NodeJS.ErrnoException) => {
      const hint = opts.pkg ? ` (package ${opts.pkg})` : '';
      reject(
        new LabError(
          'KERNEL_SETUP_FAILED',
          e.code === 'ENOENT' ? `${cmd} not found${hint}` : `${cmd}: ${e.message}`,
        ),
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else {
        const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' | ');
        reject(new LabError('KERNEL_SETUP_FAILED', `${cmd} ${args.join(' ')} exited ${code}: ${stderr}`));
      }
    });
    child.stdin.end(opts.input ?? '');
  });
}

function onPath(file: string, pathVar = process.env.PATH ?? '/usr/bin:/bin'): string | null {
  for (const dir of pathVar.split(':')) {
    const p = join(dir || '.', file);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** A static ELF has no PT_INTERP program header; the initramfs has no libc, so busybox must be static. */
export function isStaticElf(path: string): boolean {
  const b = fs.readFileSync(path);
  if (b.length < 64 || b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return false;
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > b.length) return false;
    if (b.readUInt32LE(at) === 3) return false;
  }
  return true;
}

export function findStaticBusybox(): string | null {
  for (const p of BUSYBOX_PATHS) if (fs.existsSync(p) && isStaticElf(p)) return p;
  return null;
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const fileSha = (path: string): string => sha256(fs.readFileSync(path));

function missingHostPackages(pathVar?: string): string[] {
  const missing: string[] = [];
  if (!onPath('qemu-system-x86_64', pathVar)) missing.push('qemu-system-x86');
  if (!findStaticBusybox()) missing.push('busybox-static');
  return missing;
}

/** The versioned kernel package behind the meta package (its ABI number changes over time). */
export async function resolveKernelPackage(): Promise<string> {
  let text: string;
  try {
    text = (await run('apt-cache', ['depends', KERNEL_META_PACKAGE], { pkg: 'apt' })).toString('utf8');
  } catch (err) {
    return fail(
      `cannot resolve ${KERNEL_META_PACKAGE}: ${(err as Error).message} (is it in the apt lists? try apt-get update)`,
    );
  }
  const m = /Depends:\s*(linux-image-[0-9][^\s]*)/.exec(text);
  if (!m?.[1])
    return fail(
      `package ${KERNEL_META_PACKAGE} has no linux-image dependency in apt's lists (try apt-get update)`,
    );
  return m[1];
}

export function readManifest(paths: LabKernelPaths = labKernelPaths()): LabKernelManifest | null {
  try {
    const parsed = ManifestSchema.safeParse(JSON.parse(fs.readFileSync(paths.manifest, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface LabKernelStatus {
  ready: boolean;
  manifest: LabKernelManifest | null;
  problems: string[];
}

/** Is the bundled lab kernel built and intact? Cheap enough for every plan start. */
export function labKernelStatus(paths: LabKernelPaths = labKernelPaths()): LabKernelStatus {
  const problems: string[] = [];
  const manifest = readManifest(paths);
  if (!manifest) problems.push(`no setup manifest at ${paths.manifest}: run probe-lab lab-kernel setup`);
  for (const f of [paths.vmlinuz, paths.initramfs]) if (!fs.existsSync(f)) problems.push(`missing ${f}`);
  for (const { pkg, file } of HOST_PACKAGES)
    if (file === 'busybox' ? !findStaticBusybox() : !onPath(file))
      problems.push(`${file} not found (package ${pkg})`);
  return { ready: problems.length === 0, manifest, problems };
}

function initramfsInputs(
  paths: LabKernelPaths,
  busybox: string,
): { files: Map<string, Buffer>; recipeSha256: string; busyboxSha256: string } {
  const files = new Map<string, Buffer>();
  const hash = createHash('sha256');
  for (const f of RECIPE_FILES) {
    const src = join(paths.recipe, f.name);
    if (!fs.existsSync(src)) fail(`lab kernel recipe file missing: ${src}`);
    const data = fs.readFileSync(src);
    files.set(f.dest, data);
    hash.update(`${f.dest}\0${data.length}\0`).update(data);
  }
  return { files, recipeSha256: hash.digest('hex'), busyboxSha256: fileSha(busybox) };
}

/** Extracts only the named members of a .deb (the full kernel package would write 400 MB). */
async function extractFromDeb(deb: string, dest: string, patterns: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const dpkg = spawn('dpkg-deb', ['--fsys-tarfile', deb], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dest, '--wildcards', ...patterns], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    dpkg.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    tar.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    dpkg.stdout.pipe(tar.stdin);
    const onErr = (what: string, pkg: string) => (e: NodeJS.ErrnoException) =>
      reject(
        new LabError(
          'KERNEL_SETUP_FAILED',
          e.code === 'ENOENT' ? `${what} not found (package ${pkg})` : `${what}: ${e.message}`,
        ),
      );
    dpkg.on('error', onErr('dpkg-deb', 'dpkg'));
    tar.on('error', onErr('tar', 'tar'));
    // dpkg-deb may see EPIPE once tar has what it needs; tar's status is the one that counts.
    tar.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new LabError('KERNEL_SETUP_FAILED', `extracting from ${deb} failed: ${stderr.trim()}`)),
    );
  });
}

function listTree(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs
      .readdirSync(join(root, rel), { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

/** Packs a folder as a gzip'd newc cpio archive (what the kernel unpacks as its initramfs). */
export async function packInitramfs(tree: string, busybox: string): Promise<Buffer> {
  const cpio = await run(busybox, ['cpio', '-o', '-H', 'newc'], {
    cwd: tree,
    input: listTree(tree).join('\n') + '\n',
    pkg: 'busybox-static',
  });
  return gzipSync(cpio, { level: 6 });
}

/** Builds the initramfs tree: /init, /bin/busybox, /bin/stresstest and the virtio modules, flat in /lib/modules. */
async function buildInitramfs(
  paths: LabKernelPaths,
  busybox: string,
  recipe: Map<string, Buffer>,
  modulesDir: string,
): Promise<{ data: Buffer; modules: string[] }> {
  const tree = join(paths.work, 'initramfs');
  fs.rmSync(tree, { recursive: true, force: true });
  fs.mkdirSync(join(tree, 'bin'), { recursive: true });
  fs.mkdirSync(join(tree, 'lib', 'modules'), { recursive: true });
  for (const [dest, data] of recipe) fs.writeFileSync(join(tree, dest), data, { mode: 0o755 });
  fs.copyFileSync(busybox, join(tree, 'bin', 'busybox'));
  fs.chmodSync(join(tree, 'bin', 'busybox'), 0o755);
  const modules: string[] = [];
  for (const m of GUEST_MODULES) {
    const src = join(modulesDir, m);
    const name = m.slice(m.lastIndexOf('/') + 1);
    if (!fs.existsSync(src)) continue;
    fs.copyFileSync(src, join(tree, 'lib', 'modules', name));
    modules.push(name);
  }
  const data = await packInitramfs(tree, busybox);
  fs.rmSync(tree, { recursive: true, force: true });
  return { data, modules };
}

export async function setupLabKernel(opts: SetupOptions = {}): Promise<SetupResult> {
  const t0 = performance.now();
  const paths = opts.paths ?? labKernelPaths();
  const log = opts.log ?? (() => {});
  const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
  const installedPackages: string[] = [];
  const downloaded: string[] = [];

  // 1. Host packages.
  const canInstall = opts.installMissing ?? process.getuid?.() === 0;
  let missing = missingHostPackages(opts.pathVar);
  if (missing.length) {
    if (!canInstall)
      fail(
        `missing package(s): ${missing.join(', ')}. Install them with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`,
      );
    log(`installing ${missing.join(', ')} (apt-get install --no-install-recommends)`);
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { pkg: 'apt' });
    installedPackages.push(...missing);
    missing = missingHostPackages(opts.pathVar);
    if (missing.length) fail(`package(s) ${missing.join(', ')} still missing after apt-get install`);
    log(`installed ${installedPackages.join(', ')} (${elapsed()})`);
  } else {
    log('host packages present: qemu-system-x86, busybox-static');
  }
  const busybox = findStaticBusybox() as string;

  // 2. Is everything already current?
  fs.mkdirSync(paths.dir, { recursive: true });
  const inputs = initramfsInputs(paths, busybox);
  let kernelPackage: string;
  try {
    kernelPackage = await resolveKernelPackage();
  } catch (err) {
    // A fresh machine often has no apt lists yet; root may fetch them once, then we ask again.
    if (!canInstall) throw err;
    log(`${KERNEL_META_PACKAGE} not in apt's lists: running apt-get update`);
    await run('apt-get', ['update'], { pkg: 'apt' });
    kernelPackage = await resolveKernelPackage();
  }
  const prev = readManifest(paths);
  const current =
    !opts.force &&
    prev !== null &&
    prev.kernelPackage === kernelPackage &&
    fs.existsSync(paths.vmlinuz) &&
    fs.existsSync(paths.initramfs) &&
    fileSha(paths.vmlinuz) === prev.vmlinuzSha256 &&
    fileSha(paths.initramfs) === prev.initramfsSha256;
  if (current && prev.recipeSha256 === inputs.recipeSha256 && prev.busyboxSha256 === inputs.busyboxSha256) {
    log(
      `lab kernel up to date: ${prev.kernelPackage} (${prev.kernelRelease}) in ${paths.dir} (${elapsed()})`,
    );
    return {
      changed: false,
      installedPackages,
      downloaded,
      manifest: prev,
      paths,
      ms: performance.now() - t0,
    };
  }

  // 3. Kernel image (and the guest's modules) from the package, without installing it.
  fs.rmSync(paths.work, { recursive: true, force: true });
  fs.mkdirSync(paths.work, { recursive: true });
  const extracted = join(paths.work, 'root');
  fs.mkdirSync(extracted);
  try {
    log(`downloading ${kernelPackage} (apt-get download)`);
    await run('apt-get', ['download', kernelPackage], { cwd: paths.work, pkg: 'apt' });
    const deb = fs
      .readdirSync(paths.work)
      .find((f) => f.startsWith(`${kernelPackage}_`) && f.endsWith('.deb'));
    if (!deb) return fail(`apt-get download ${kernelPackage} produced no .deb in ${paths.work}`);
    downloaded.push(deb);
    log(`downloaded ${deb} (${(fs.statSync(join(paths.work, deb)).size / 1e6).toFixed(1)} MB, ${elapsed()})`);
    await extractFromDeb(join(paths.work, deb), extracted, [
      './boot/vmlinuz-*',
      ...GUEST_MODULES.map((m) => `./lib/modules/*/kernel/${m}`),
    ]);
    const boot = join(extracted, 'boot');
    const vmlinuzName = fs.existsSync(boot)
      ? fs.readdirSync(boot).find((f) => f.startsWith('vmlinuz-'))
      : undefined;
    if (!vmlinuzName) return fail(`${deb} holds no ./boot/vmlinuz-*`);
    const kernelRelease = vmlinuzName.slice('vmlinuz-'.length);
    const modulesDir = join(extracted, 'lib', 'modules', kernelRelease, 'kernel');
    const vmlinuz = fs.readFileSync(join(boot, vmlinuzName));
    writeFileAtomic(paths.vmlinuz, vmlinuz);
    log(`extracted vmlinuz-${kernelRelease} (${(vmlinuz.length / 1e6).toFixed(1)} MB)`);

    // 4. Initramfs.
    const { data, modules } = await buildInitramfs(paths, busybox, inputs.files, modulesDir);
    writeFileAtomic(paths.initramfs, data);
    log(
      `built initramfs: busybox + ${RECIPE_FILES.map((f) => f.name).join(' + ')} + ${modules.length} modules (${(data.length / 1e6).toFixed(1)} MB)`,
    );

    const manifest: LabKernelManifest = {
      version: MANIFEST_VERSION,
      kernelPackage,
      kernelRelease,
      vmlinuzSha256: sha256(vmlinuz),
      initramfsSha256: sha256(data),
      recipeSha256: inputs.recipeSha256,
      busyboxSha256: inputs.busyboxSha256,
      modules,
      builtAt: new Date().toISOString(),
      buildMs: Math.round(performance.now() - t0),
    };
    writeFileAtomic(paths.manifest, JSON.stringify(manifest, null, 2) + '\n');
    log(`lab kernel ready in ${paths.dir} (${elapsed()})`);
    return { changed: true, installedPackages, downloaded, manifest, paths, ms: performance.now() - t0 };
  } finally {
    fs.rmSync(paths.work, { recursive: true, force: true });
  }
}
