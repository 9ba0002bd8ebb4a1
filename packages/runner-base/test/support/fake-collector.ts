/**
 * A RunCollector that allocates one real device buffer through the runner's memory, records every
 * lifecycle call in a shared journal, and fails on demand per method.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  CollectorAddresses,
  CollectorDeviceMemory,
  CollectorSummary,
  DiagnosticName,
  ExportOptions,
  ReconcileOptions,
  RunCollector,
} from '@npurun/collectors';

/** Methods a fake collector can be told to fail. */
export type CollectorMethod = 'init' | 'start' | 'stop' | 'reconcile' | 'exportFiles' | 'finalize';

export class FakeCollector implements RunCollector {
  buffer: bigint | null = null;
  /** The buffer address init() published. */
  published: bigint | null = null;
  readonly failing = new Set<CollectorMethod>();
  lastExport: ExportOptions | undefined;
  lastReconcile: ReconcileOptions | undefined;

  constructor(
    readonly name: DiagnosticName,
    private readonly memory: CollectorDeviceMemory,
    readonly journal: string[],
    private readonly bufferBytes = 4096,
  ) {}

  private step(method: CollectorMethod): void {
    this.journal.push(`${this.name}.${method}`);
    if (this.failing.has(method)) throw new Error(`${this.name}.${method} failed (injected)`);
  }

  init(): CollectorAddresses {
    this.step('init');
    this.buffer = this.memory.alloc(this.bufferBytes);
    this.published = this.buffer;
    return { dataBase: this.buffer };
  }

  start(): void {
    this.step('start');
  }

  async stop(): Promise<void> {
    this.step('stop');
  }

  async reconcile(options?: ReconcileOptions): Promise<CollectorSummary> {
    this.step('reconcile');
    this.lastReconcile = options;
    return { name: this.name, collected: 3, dropped: 0, total: 3, clean: true, notes: options?.incomplete === true ? ['incomplete'] : [] };
  }

  async exportFiles(outputDir: string, options: ExportOptions): Promise<string[]> {
    this.step('exportFiles');
    this.lastExport = options;
    const file = path.join(outputDir, `${this.name}.txt`);
    await fs.promises.mkdir(outputDir, { recursive: true });
    await fs.promises.writeFile(file, options.incomplete ? 'incomplete\n' : 'complete\n');
    return [file];
  }

  finalize(): void {
    this.step('finalize');
    if (this.buffer !== null) {
      this.memory.free(this.buffer);
      this.buffer = null;
    }
  }
}
