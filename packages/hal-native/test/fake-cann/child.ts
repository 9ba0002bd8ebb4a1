/**
 * Running the addon in a child process, for what a jest test cannot do in its own: change the real
 * environment the native backend reads (ASCEND_HOME_PATH, ASCEND_RT_VISIBLE_DEVICES). The child
 * loads the built addon directly and prints one JSON line.
 */
import { spawnSync } from 'node:child_process';
import { nativeBinaryPath } from '../../src/native';

/** What the child's script returned (as JSON), or the error it threw. */
export type ChildResult = { ok: true; value: unknown } | { ok: false; error: { code?: string; op?: string; message: string } };

/**
 * Runs `body` (the body of an async function receiving `NativeDevice`, the addon's raw device
 * class) in a child node with `env` added to this process's environment.
 */
export function runWithAddon(body: string, env: Readonly<Record<string, string>>): ChildResult {
  const addon = nativeBinaryPath();
  const script = `
    const binding = require(${JSON.stringify(addon)});
    class HalError extends Error { constructor(message, details) { super(message); Object.assign(this, details); } }
    binding.registerErrorClass(HalError);
    (async (NativeDevice) => { ${body} })(binding.NativeDevice).then(
      (value) => console.log(JSON.stringify({ ok: true, value })),
      (e) => console.log(JSON.stringify({ ok: false, error: { code: e.code, op: e.op, message: e.message } })));
  `;
  const res = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`child failed (${res.status}): ${res.stderr}`);
  return JSON.parse(res.stdout.trim().split('\n').pop() ?? '') as ChildResult;
}
