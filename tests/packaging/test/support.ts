/**
 * What the packaging test does as a user would: pack the packages, unpack a tarball, make an empty
 * project that depends on nothing but one arch package, run commands in it.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root. */
export const REPO = path.resolve(__dirname, '..', '..', '..');

/** The pnpm the repository pins (`packageManager`), run through npx like the README does. */
export const PNPM = ['npx', '-y', `pnpm@${(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { packageManager: string }).packageManager.split('@')[1]}`];

/** A finished command: exit code and both streams. */
export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout + stderr, for messages. */
  all: string;
}

/** Runs `argv` in `cwd` with `env` added, and returns what it printed. */
export function run(argv: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Ran {
  const [cmd, ...args] = argv;
  // Without the npm_config_* of the pnpm running this test: the project must see default settings.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_') && !k.startsWith('PNPM_') && k !== 'NODE_OPTIONS'));
  const res: SpawnSyncReturns<string> = spawnSync(cmd ?? '', args, { cwd, env: { ...base, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.error !== undefined) throw res.error;
  return { status: res.status, stdout: res.stdout, stderr: res.stderr, all: `${res.stdout}\n${res.stderr}` };
}

/** Packs every package under packages/ into `dest` (pnpm rewrites `workspace:` ranges); name → tarball. */
export function packAll(dest: string): Map<string, string> {
  const ran = run([...PNPM, '-r', '--filter', './packages/*', 'pack', '--pack-destination', dest], REPO);
  if (ran.status !== 0) throw new Error(`pnpm pack failed:\n${ran.all}`);
  const tarballs = new Map<string, string>();
  for (const file of fs.readdirSync(dest).filter((f) => f.endsWith('.tgz'))) {
    const name = `@npurun/${file.replace(/^npurun-/, '').replace(/-\d+\.\d+\.\d+(-[\w.]+)?\.tgz$/, '')}`;
    tarballs.set(name, path.join(dest, file));
  }
  return tarballs;
}

/** Unpacks a tarball into `dir` and returns the package directory. */
export function unpack(tarball: string, dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const ran = run(['tar', 'xzf', tarball, '-C', dir], dir);
  if (ran.status !== 0) throw new Error(`tar failed: ${ran.all}`);
  return path.join(dir, 'package');
}

/** Every file under `dir`, relative to it. */
export function listFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(dir, p));
    else out.push(p);
  }
  return out;
}

/** The targets of a markdown file's inline links and images. */
export function markdownLinks(text: string): string[] {
  const withoutCode = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...withoutCode.matchAll(/!?\[[^\]\n]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '');
}

/**
 * An empty project depending on one arch package from its tarball; the other npurun packages come
 * from their tarballs too (through the package manager's overrides), third-party ones from the registry.
 */
export function makeProject(dir: string, archPackage: string, tarballs: ReadonlyMap<string, string>, manager: 'pnpm' | 'npm'): void {
  fs.mkdirSync(dir, { recursive: true });
  const spec = (name: string): string => `file:${tarballs.get(name) ?? ''}`;
  const overrides = Object.fromEntries([...tarballs.keys()].filter((n) => n !== archPackage).map((n) => [n, spec(n)]));
  const manifest: Record<string, unknown> = { name: 'first-npurun-project', version: '1.0.0', private: true, dependencies: { [archPackage]: spec(archPackage) } };
  if (manager === 'pnpm') manifest['pnpm'] = { overrides };
  else manifest['overrides'] = overrides;
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
