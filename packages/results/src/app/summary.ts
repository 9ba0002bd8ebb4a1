/// <reference path="model.ts" />
// The run summary (run.json), the collectors' counts and notes, and the scope statistics table.
namespace NpurunReport {
  function table(rows: string[][], header?: string[]): HTMLTableElement {
    const t = el('table');
    if (header !== undefined) {
      const tr = el('tr');
      for (const h of header) tr.appendChild(el('th', h));
      t.appendChild(tr);
    }
    for (const r of rows) {
      const tr = el('tr');
      r.forEach((c, i) => tr.appendChild(i === 0 && header === undefined ? el('th', c) : el('td', c)));
      t.appendChild(tr);
    }
    return t;
  }

  export function renderSummary(model: Model, host: HTMLElement): void {
    host.appendChild(table(model.summary));
    if (model.collectors.length > 0) {
      host.appendChild(el('h2', 'Collectors'));
      host.appendChild(
        table(
          model.collectors.map((c) => [c.name, String(c.collected), String(c.dropped), String(c.total), c.clean ? 'clean' : 'NOT clean', c.notes.join('; ')]),
          ['collector', 'collected', 'dropped', 'total', 'reconcile', 'notes'],
        ),
      );
    }
    for (const n of model.notes) host.appendChild(el('p', n, 'muted'));
  }

  export function renderScopes(model: Model, host: HTMLElement): void {
    const scopes = model.scopes;
    if (scopes === undefined) {
      host.appendChild(el('p', 'Scope statistics were off (run with --scope-stats).', 'muted'));
      return;
    }
    host.appendChild(
      table(
        scopes.map((s) => [
          `${'  '.repeat(s.depth)}${s.site}`,
          String(s.depth),
          String(s.ring),
          s.tasks === 0 ? '—' : `${s.firstTask}…${s.firstTask + s.tasks - 1}`,
          String(s.heapBytes),
          String(s.tensormap),
          s.startUs === undefined || s.endUs === undefined ? '—' : `${fmtUs(s.startUs)} + ${fmtUs(s.endUs - s.startUs)}`,
        ]),
        ['scope', 'depth', 'ring', 'tasks submitted', 'heap bytes', 'tensor map at end', 'time (submits)'],
      ),
    );
    if (scopes.every((s) => s.startUs === undefined)) host.appendChild(el('p', 'Scopes have times where the orchestrator’s submits were timed (swimlane level 4).', 'muted'));
  }
}
