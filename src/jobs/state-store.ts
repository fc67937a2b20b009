import type { Redis } from 'ioredis';
import type { DirectorySnapshot } from '../domain/directory.js';
import type { DesiredGroup, DesiredUser } from '../domain/operations.js';

/** The result an operation worker recorded for one job. */
export interface OperationOutcome {
  result: 'applied' | 'unchanged' | 'skipped' | 'failed';
  /** A short text for reports and logs; never a secret or a user record. */
  detail?: string;
  /** SCIM write requests the operation sent. */
  writes: number;
  finishedAt: string;
}

/**
 * The daemon's own state in Redis, beside BullMQ's keys:
 *
 * - the current desired state, which operation workers re-read when they run
 *   so a queued job never applies a stale change;
 * - when the daemon deactivated each user, for the delete grace period;
 * - the incremental cursor and the directory snapshot it extends;
 * - the outcome of each operation job, which the sync run waits for.
 */
export class StateStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = `${prefix}:state`;
  }

  /** Replaces the desired users and groups in one transaction, so workers never see half of a plan's state. */
  async saveDesiredState(users: Iterable<DesiredUser>, groups: Iterable<DesiredGroup>): Promise<void> {
    const userKey = this.#key('desired-users');
    const groupKey = this.#key('desired-groups');
    const userFields = [...users].flatMap((user) => [user.externalId, JSON.stringify(user)]);
    const groupFields = [...groups].flatMap((group) => [group.externalId, JSON.stringify(group)]);

    const transaction = this.#redis.multi().del(userKey, groupKey);
    if (userFields.length > 0) transaction.hset(userKey, ...userFields);
    if (groupFields.length > 0) transaction.hset(groupKey, ...groupFields);
    await transaction.exec();
  }

  /** Returns the desired user, or undefined when the user should not exist in Ably. */
  async desiredUser(externalId: string): Promise<DesiredUser | undefined> {
    const text = await this.#redis.hget(this.#key('desired-users'), externalId);
    return text === null ? undefined : (JSON.parse(text) as DesiredUser);
  }

  async desiredGroup(externalId: string): Promise<DesiredGroup | undefined> {
    const text = await this.#redis.hget(this.#key('desired-groups'), externalId);
    return text === null ? undefined : (JSON.parse(text) as DesiredGroup);
  }

  /** Records when the daemon deactivated a user, keeping the first time if it was already recorded. */
  async recordDeactivation(externalId: string, at: Date): Promise<void> {
    await this.#redis.hsetnx(this.#key('deactivated-at'), externalId, at.toISOString());
  }

  async clearDeactivation(externalId: string): Promise<void> {
    await this.#redis.hdel(this.#key('deactivated-at'), externalId);
  }

  async deactivations(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.#redis.hgetall(this.#key('deactivated-at'))));
  }

  async cursor(source: string): Promise<string | undefined> {
    return (await this.#redis.get(this.#key(`cursor-${source}`))) ?? undefined;
  }

  /** Stores the snapshot and its cursor together, so an incremental read always extends the snapshot its cursor belongs to. */
  async saveDirectory(source: string, snapshot: DirectorySnapshot, cursor: string | undefined): Promise<void> {
    const transaction = this.#redis.multi().set(this.#key(`directory-${source}`), JSON.stringify(snapshot));
    if (cursor === undefined) {
      transaction.del(this.#key(`cursor-${source}`));
    } else {
      transaction.set(this.#key(`cursor-${source}`), cursor);
    }
    await transaction.exec();
  }

  async directory(source: string): Promise<DirectorySnapshot | undefined> {
    const text = await this.#redis.get(this.#key(`directory-${source}`));
    return text === null ? undefined : (JSON.parse(text) as DirectorySnapshot);
  }

  /** Removes outcomes left by earlier runs for these jobs, so a wait reads only fresh ones. */
  async clearOutcomes(jobIds: string[]): Promise<void> {
    if (jobIds.length > 0) {
      await this.#redis.hdel(this.#key('outcomes'), ...jobIds);
    }
  }

  async recordOutcome(jobId: string, outcome: OperationOutcome): Promise<void> {
    await this.#redis.hset(this.#key('outcomes'), jobId, JSON.stringify(outcome));
  }

  /** Returns the outcomes recorded so far for these jobs; missing jobs are still running. */
  async outcomes(jobIds: string[]): Promise<Map<string, OperationOutcome>> {
    const found = new Map<string, OperationOutcome>();
    if (jobIds.length === 0) {
      return found;
    }
    const values = await this.#redis.hmget(this.#key('outcomes'), ...jobIds);
    values.forEach((value, index) => {
      if (value !== null) {
        found.set(jobIds[index]!, JSON.parse(value) as OperationOutcome);
      }
    });
    return found;
  }

  /** Marks a plan id as approved by an operator; the next run that plans exactly this id applies it. */
  async approvePlan(planId: string, approvedBy: string): Promise<void> {
    await this.#redis.set(this.#key('approved-plan'), JSON.stringify({ planId, approvedBy, at: new Date().toISOString() }));
  }

  async approvedPlan(): Promise<{ planId: string; approvedBy: string } | undefined> {
    const text = await this.#redis.get(this.#key('approved-plan'));
    return text === null ? undefined : (JSON.parse(text) as { planId: string; approvedBy: string });
  }

  async clearApproval(): Promise<void> {
    await this.#redis.del(this.#key('approved-plan'));
  }

  #key(name: string): string {
    return `${this.#prefix}:${name}`;
  }
}
