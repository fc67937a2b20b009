import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { renderRunReport, summarizeRunReport } from '../reports/run-report.js';
import type { EmailDisplay, ReportStore, RunReport, RunReportSummary } from '../reports/types.js';

/** Keeps the last N run reports in Redis: a list of summaries, newest first, and one key per full report. */
export class RedisReportStore implements ReportStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #keep: number;
  readonly #directory: string | undefined;
  readonly #emails: EmailDisplay;

  /** `directory`, when set, also receives each report as JSON and as an HTML page; `emails` sets how they show emails. */
  constructor(options: { redis: Redis; prefix: string; keep: number; directory?: string; emails?: EmailDisplay }) {
    this.#redis = options.redis;
    this.#prefix = `${options.prefix}:reports`;
    this.#keep = options.keep;
    this.#directory = options.directory;
    this.#emails = options.emails ?? 'masked';
  }

  async save(report: RunReport): Promise<void> {
    const summary = summarizeRunReport(report);
    const dropped = await this.#redis.lrange(this.#listKey(), this.#keep - 1, -1);
    const transaction = this.#redis
      .multi()
      .set(this.#reportKey(report.runId), JSON.stringify(report))
      .lpush(this.#listKey(), JSON.stringify(summary))
      .ltrim(this.#listKey(), 0, this.#keep - 1);
    for (const text of dropped) {
      const old = JSON.parse(text) as RunReportSummary;
      transaction.del(this.#reportKey(old.runId));
    }
    await transaction.exec();

    if (this.#directory !== undefined) {
      await mkdir(this.#directory, { recursive: true });
      await writeFile(join(this.#directory, `${report.runId}.json`), renderRunReport(report, 'json', this.#emails));
      await writeFile(join(this.#directory, `${report.runId}.html`), renderRunReport(report, 'html', this.#emails));
    }
  }

  async list(limit = this.#keep): Promise<RunReportSummary[]> {
    const texts = await this.#redis.lrange(this.#listKey(), 0, limit - 1);
    return texts.map((text) => JSON.parse(text) as RunReportSummary);
  }

  async get(runId: string): Promise<RunReport | undefined> {
    const text = await this.#redis.get(this.#reportKey(runId));
    return text === null ? undefined : (JSON.parse(text) as RunReport);
  }

  #listKey(): string {
    return `${this.#prefix}:list`;
  }

  #reportKey(runId: string): string {
    return `${this.#prefix}:run:${runId}`;
  }
}
