/** Counts of SCIM requests, as `stats()` and `GET /admin/api/stats` return them. */
export interface EmulatorStats {
  total: number;
  /** GET requests and `POST .search`. */
  reads: number;
  /** POST (other than `.search`), PUT, PATCH and DELETE. */
  writes: number;
  byMethod: Record<string, number>;
}

/**
 * Counts every request that reaches `/scim/v2`, including those rejected
 * with 401 or an injected fault, because a client's retries are requests too.
 */
export class RequestCounter {
  private stats: EmulatorStats = emptyStats();

  /** Counts one request. */
  record(method: string, isSearch: boolean): void {
    this.stats.total += 1;
    if (method === 'GET' || method === 'HEAD' || isSearch) this.stats.reads += 1;
    else this.stats.writes += 1;
    this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
  }

  /** Returns a copy of the counts. */
  snapshot(): EmulatorStats {
    return structuredClone(this.stats);
  }

  reset(): void {
    this.stats = emptyStats();
  }
}

function emptyStats(): EmulatorStats {
  return { total: 0, reads: 0, writes: 0, byMethod: {} };
}
