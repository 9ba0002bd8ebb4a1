/**
 * The packages as a user gets them: every package is packed, then only an arch package is installed
 * into an empty project — with pnpm 10's default settings and with npm — and its CLI and the
 * first-kernel example (docs/first-kernel.md) run there, importing nothing but the arch package.
 * The bundled workloads run with no compiler at all (CXX names a command that does not exist), from
 * an empty cache: the native addon and the device programs are prebuilt.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, PNPM, listFiles, makeProject, markdownLinks, packAll, run, unpack, type Ran } from './support';

interface Citation {
  file: string;
  line: number;
  what: string;
  text: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { findCitations } = require(path.join(REPO, 'scripts', 'check-citations.cjs')) as { findCitations(files: string[]): Citation[] };

const REPOSITORY = 'https://github.com/npurun/npurun';

/** Fails with the command's output, so a failure says why. */
function expectOk(ran: Ran): void {
  if (ran.status !== 0) throw new Error(`exit ${String(ran.status)}:\n${ran.all.slice(-4000)}`);
}
const NO_COMPILER = { CXX: 'npurun-no-such-compiler' };

let root: string;
let tarballs: Map<string, string>;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'npurun-packaging-'));
  tarballs = packAll(path.join(root, 'tarballs'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Manifest {
  name: string;
  license?: string;
  repository?: { url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  engines?: { node?: string };
  os?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

describe('every package tarball', () => {
  const names = ['@npurun/hal-native', '@npurun/collectors', '@npurun/results', '@npurun/runner-base', '@npurun/runner-a2a3', '@npurun/runner-a5'];

  test.each(names)('%s: license, metadata, no install step, nothing cited, doc links resolve', (name) => {
    const tarball = tarballs.get(name);
    expect(tarball).toBeDefined();
    const dir = unpack(tarball!, path.join(root, 'unpacked', name.replace('/', '+')));
    const files = listFiles(dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

    expect(files).toContain('LICENSE');
    expect(fs.readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(manifest).toMatchObject({ license: 'Apache-2.0', engines: { node: '>=20' }, os: ['linux'], bugs: { url: `${REPOSITORY}/issues` } });
    expect(manifest.repository?.url).toBe(`git+${REPOSITORY}.git`);
    expect(manifest.homepage?.startsWith(`${REPOSITORY}/`)).toBe(true);
    // Nothing runs at install: no lifecycle script, and no binding.gyp at the root (package
    // managers would run node-gyp for it, and pnpm 10 would ask for the build to be approved).
    for (const script of ['preinstall', 'install', 'postinstall']) expect(manifest.scripts?.[script]).toBeUndefined();
    expect(files).not.toContain('binding.gyp');
    expect(Object.keys(manifest.dependencies ?? {})).not.toContain('node-gyp');
    for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) expect(`${dep}@${range}`).not.toMatch(/workspace:/);

    expect(findCitations(files.map((f) => path.join(dir, f))).map((c) => `${c.file.slice(dir.length)}:${c.line}: ${c.what}`)).toEqual([]);

    // Every link of every shipped markdown file resolves inside the tarball or is the repository's URL.
    expect(files).toContain('README.md');
    for (const doc of files.filter((f) => f.endsWith('.md'))) {
      for (const link of markdownLinks(fs.readFileSync(path.join(dir, doc), 'utf8'))) {
        if (/^https?:/.test(link)) {
          if (link.includes('github.com/')) expect({ doc, link, ours: link.startsWith(`${REPOSITORY}/`) || link === REPOSITORY }).toEqual({ doc, link, ours: true });
          continue;
        }
        if (link.startsWith('#') || link.startsWith('mailto:')) continue;
        const target = path.join(dir, path.dirname(doc), decodeURIComponent(link.split('#')[0] ?? ''));
        expect({ doc, link, exists: fs.existsSync(target) }).toEqual({ doc, link, exists: true });
      }
    }
  });

  test('hal-native ships the addon and the device executable for linux-x64; the arch packages their device programs', () => {
    const hal = listFiles(unpack(tarballs.get('@npurun/hal-native')!, path.join(root, 'unpacked', 'hal-again')));
    expect(hal.filter((f) => f.startsWith('prebuilds/linux-x64/')).sort()).toEqual(['prebuilds/linux-x64/node.glibc.node', 'prebuilds/linux-x64/npurun-device']);
    expect(hal).toContain('native/binding.gyp'); // the source fallback
    for (const arch of ['a2a3', 'a5']) {
      const files = listFiles(unpack(tarballs.get(`@npurun/runner-${arch}`)!, path.join(root, 'unpacked', `${arch}-again`)));
      // two executors and the nine workload kernels
      expect(files.filter((f) => /^prebuilt\/linux-x64\/[0-9a-f]{64}\.so$/.test(f))).toHaveLength(11);
    }
  });
});

/** What a user does after installing: the CLI, then the first-kernel example. */
function useArchPackage(project: string, arch: 'a2a3' | 'a5'): void {
  const cli = path.join(project, 'node_modules', '.bin', `npurun-${arch}`);
  const cache = path.join(project, 'cache');
  const env = { ...NO_COMPILER, NPURUN_CACHE_DIR: cache };

  const list = run([cli, 'list'], project, env);
  expect(list.status).toBe(0);
  for (const w of ['dummy_task', 'alternating_matmul_add', 'prepared_callable', 'spmd_basic']) expect(list.stdout).toContain(w);

  // A bundled workload with no compiler on the machine and an empty cache.
  const ran = run([cli, 'run', 'alternating_matmul_add'], project, env);
  expectOk(ran);
  expect(ran.stdout).toMatch(/alternating_matmul_add\s+default\s+ok/);

  const hardware = run([cli, 'run', 'dummy_task', '--platform', arch], project, env);
  expect(hardware.status).toBe(2);
  expect(hardware.stderr).toContain('cannot run on');

  const clean = run([cli, 'cache', 'clean'], project, env);
  expect(clean.status).toBe(0);
  expect(clean.stdout).toContain(cache);

  // The first-kernel example, as docs/first-kernel.md has it; a kernel of one's own needs the compiler.
  for (const file of [`${arch}.mjs`, 'scale_add.cpp']) fs.copyFileSync(path.join(REPO, 'examples', 'first-kernel', file), path.join(project, file));
  const example = run(['node', `${arch}.mjs`, path.join(project, 'out')], project, { NPURUN_CACHE_DIR: cache });
  expectOk(example);
  expect(example.stdout).toContain(`${arch}sim: v = 6x verified`);
}

describe('installing only an arch package', () => {
  test('pnpm 10 with default settings: @npurun/runner-a2a3', () => {
    const project = path.join(root, 'pnpm-project');
    makeProject(project, '@npurun/runner-a2a3', tarballs, 'pnpm');
    const install = run([...PNPM, 'install'], project);
    expectOk(install);
    // Nothing to approve: no build script is ignored.
    expect(install.all).not.toMatch(/Ignored build scripts/);
    // pnpm's strict layout: the project sees only its one dependency, so the example can import nothing else.
    expect(fs.readdirSync(path.join(project, 'node_modules', '@npurun'))).toEqual(['runner-a2a3']);
    useArchPackage(project, 'a2a3');
  });

  test('npm: @npurun/runner-a5', () => {
    const project = path.join(root, 'npm-project');
    makeProject(project, '@npurun/runner-a5', tarballs, 'npm');
    const install = run(['npm', 'install', '--no-audit', '--no-fund', '--prefer-offline'], project);
    expectOk(install);
    const manifest = JSON.parse(fs.readFileSync(path.join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(manifest.dependencies)).toEqual(['@npurun/runner-a5']);
    useArchPackage(project, 'a5');
  });
});
