import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** Describes the machine and runtime the numbers come from, as one Markdown line. */
export function describeMachine(now = new Date()): string {
  const cores = cpus().length;
  const memoryGib = (totalmem() / 1024 ** 3).toFixed(1);
  return `Node ${process.version}, ${cpuModel()}, ${cores} cores, ${memoryGib} GiB RAM, ${now.toISOString()}`;
}

function cpuModel(): string {
  // On Linux /proc/cpuinfo names the model. os.cpus() reads the same source but returns an empty list on some platforms.
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    const model = line?.split(':')[1]?.trim();
    if (model) return model;
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown CPU';
}
