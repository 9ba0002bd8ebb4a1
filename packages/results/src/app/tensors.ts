/// <reference path="model.ts" />
// The tensor-dump browser: tasks with dumped tensors on the left; a task's tensors with their
// statistics and a heatmap (2-D and up) or histogram (0-/1-D) on the right.
namespace NpurunReport {
  function colormap(t: number): string {
    // Dark blue → teal → yellow.
    const x = Math.max(0, Math.min(1, t));
    const r = Math.round(68 + x * (253 - 68));
    const g = Math.round(1 + x * (231 - 1));
    const b = Math.round(84 + (x < 0.5 ? x * 2 * (140 - 84) : (1 - x) * 2 * (140 - 37) + 37 - 0));
    return `rgb(${r},${g},${b})`;
  }

  function drawPreview(p: Preview): HTMLCanvasElement {
    const c = el('canvas');
    const ctx = c.getContext('2d')!;
    if (p.picture.kind === 'heatmap') {
      const { rows, cols, cells } = p.picture;
      const size = Math.max(2, Math.floor(192 / Math.max(rows, cols)));
      c.width = cols * size;
      c.height = rows * size;
      const span = p.max - p.min || 1;
      for (let r = 0; r < rows; r++) {
        for (let k = 0; k < cols; k++) {
          ctx.fillStyle = colormap((cells[r * cols + k]! - p.min) / span);
          ctx.fillRect(k * size, r * size, size, size);
        }
      }
    } else {
      const bins = p.picture.bins;
      c.width = 192;
      c.height = 64;
      const top = Math.max(1, ...bins);
      const w = c.width / bins.length;
      ctx.fillStyle = '#2563eb';
      bins.forEach((b, i) => {
        const h = (b / top) * (c.height - 2);
        ctx.fillRect(i * w + 1, c.height - h, w - 2, h);
      });
    }
    return c;
  }

  export function renderDumps(model: Model, list: HTMLElement, view: HTMLElement): { select(task: number): boolean } {
    const dumps = model.dumps;
    const show = (d: DumpTask): void => {
      view.textContent = '';
      view.appendChild(el('h2', `task ${d.task} · ${d.kernel}${d.label !== undefined ? ` · ${d.label}` : ''}`));
      for (const t of d.tensors) {
        const box = el('div', undefined, 'tensor');
        box.dataset.role = t.role;
        box.appendChild(el('div', `arg ${t.arg} · ${t.role} · ${t.stage.replace('_', ' ')}`));
        box.appendChild(el('div', `${t.dtype} [${t.shape.join(', ')}]`, 'muted'));
        if (t.preview !== undefined) {
          const p = t.preview;
          box.appendChild(el('div', `min ${p.min.toPrecision(5)} · max ${p.max.toPrecision(5)} · mean ${p.mean.toPrecision(5)}${p.nonFinite > 0 ? ` · ${p.nonFinite} non-finite` : ''}`));
          box.appendChild(drawPreview(p));
        }
        if (t.note !== undefined) box.appendChild(el('div', t.note, 'muted'));
        view.appendChild(box);
      }
    };
    if (dumps === undefined || dumps.length === 0) {
      list.style.display = 'none';
      view.appendChild(el('p', dumps === undefined ? 'The tensor dump was off (run with --dump).' : 'No tensor was dumped.', 'muted'));
      return { select: () => false };
    }
    const rows = new Map<number, HTMLElement>();
    const select = (task: number): boolean => {
      const d = dumps.find((x) => x.task === task);
      if (d === undefined) return false;
      rows.forEach((r, id) => r.classList.toggle('selected', id === task));
      show(d);
      return true;
    };
    for (const d of dumps) {
      const row = el('div', `task ${d.task} · ${d.kernel}${d.label !== undefined ? ` · ${d.label}` : ''} (${d.tensors.length})`);
      row.dataset.task = String(d.task);
      row.addEventListener('click', () => select(d.task));
      rows.set(d.task, row);
      list.appendChild(row);
    }
    select(dumps[0]!.task);
    return { select };
  }
}
