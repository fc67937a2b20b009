import { FatalError } from '../errors/index.js';
import type { ScimHttp } from './http.js';
import { parseListResponse } from './wire.js';

/** A list request: the endpoint, page size and optional filter. */
export interface ListRequest {
  /** The resource endpoint, such as `/Users`. */
  path: string;
  /** The page size to ask for with `count`. */
  pageSize: number;
  filter?: string;
  attributes?: string;
}

/**
 * Lists every resource of an endpoint with `startIndex` and `count` paging
 * until `totalResults` is reached.
 *
 * The next `startIndex` follows the number of resources actually returned,
 * because a provider may cap a page below the requested `count`.
 *
 * Throws `FatalError` when the provider's paging does not progress, because
 * the planner would read a partial list as removals. Three signs count: a
 * page that repeats an id already seen, an empty page before `totalResults`,
 * and a page whose `startIndex` differs from the request.
 */
export async function listAllResources(http: ScimHttp, request: ListRequest): Promise<unknown[]> {
  const resources: unknown[] = [];
  const seenIds = new Set<string>();
  let startIndex = 1;
  let totalResults = Number.POSITIVE_INFINITY;

  while (resources.length < totalResults) {
    const query: Record<string, string | number> = { startIndex, count: request.pageSize };
    if (request.filter !== undefined) {
      query.filter = request.filter;
    }
    if (request.attributes !== undefined) {
      query.attributes = request.attributes;
    }
    const response = await http.request({ method: 'GET', path: request.path, query });
    const page = parseListResponse(response.body, { method: 'GET', path: request.path, status: response.status });
    totalResults = page.totalResults;
    const pageResources = page.Resources ?? [];

    if (page.startIndex !== undefined && pageResources.length > 0 && page.startIndex !== startIndex) {
      throw pagingError(request.path, `asked for startIndex ${startIndex} and received startIndex ${page.startIndex}`);
    }
    if (pageResources.length === 0) {
      if (resources.length < totalResults) {
        throw pagingError(
          request.path,
          `received an empty page at startIndex ${startIndex} after ${resources.length} of ${totalResults} resources`,
        );
      }
      break;
    }
    for (const resource of pageResources) {
      const id = readId(resource);
      if (id !== undefined && seenIds.has(id)) {
        throw pagingError(request.path, `received id ${id} again at startIndex ${startIndex}`);
      }
      if (id !== undefined) {
        seenIds.add(id);
      }
      resources.push(resource);
    }
    startIndex += pageResources.length;
  }
  return resources;
}

function pagingError(path: string, problem: string): FatalError {
  return new FatalError(
    `Paging of GET ${path} does not progress: the provider ${problem}. The read stopped so that a partial list is never taken for the whole organization.`,
  );
}

function readId(resource: unknown): string | undefined {
  if (typeof resource !== 'object' || resource === null) {
    return undefined;
  }
  const id = (resource as Record<string, unknown>).id;
  return typeof id === 'string' ? id : undefined;
}
