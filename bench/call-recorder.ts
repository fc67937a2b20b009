import { performance } from 'node:perf_hooks';

/** Calls of one method: how many, their summed duration, and the first start and last end. */
export interface MethodCalls {
  count: number;
  totalMs: number;
  firstStartMs: number;
  lastEndMs: number;
}

/**
 * Records every method call made through objects wrapped by `instrument`,
 * with `performance.now()` times, so a benchmark can split a sync cycle into
 * the IdP read, the SCIM read and the window in which workers applied
 * operations, without touching `src/`.
 */
export class CallRecorder {
  readonly #calls = new Map<string, MethodCalls>();

  /** Wraps every method of `target` so each call is recorded under `label.method`. */
  instrument<T extends object>(target: T, label: string): T {
    const record = (name: string, startMs: number): void => this.#record(`${label}.${name}`, startMs, performance.now());
    return new Proxy(target, {
      get(object, property, receiver) {
        const value: unknown = Reflect.get(object, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string') {
          return value;
        }
        return (...args: unknown[]): unknown => {
          const startMs = performance.now();
          // Methods with private fields need the real object as `this`, not the proxy.
          const result: unknown = Reflect.apply(value, object, args);
          if (result instanceof Promise) {
            return result.finally(() => record(property, startMs));
          }
          record(property, startMs);
          return result;
        };
      },
    });
  }

  /** Returns the calls recorded for `label.method`, or undefined when there were none. */
  calls(name: string): MethodCalls | undefined {
    return this.#calls.get(name);
  }

  /** Returns every recorded method name whose label is `label`, with its calls. */
  callsOf(label: string): Map<string, MethodCalls> {
    const prefix = `${label}.`;
    return new Map([...this.#calls].filter(([name]) => name.startsWith(prefix)).map(([name, calls]) => [name.slice(prefix.length), calls]));
  }

  /** Forgets every call, for the next cycle. */
  reset(): void {
    this.#calls.clear();
  }

  #record(name: string, startMs: number, endMs: number): void {
    const calls = this.#calls.get(name) ?? { count: 0, totalMs: 0, firstStartMs: startMs, lastEndMs: endMs };
    calls.count += 1;
    calls.totalMs += endMs - startMs;
    calls.firstStartMs = Math.min(calls.firstStartMs, startMs);
    calls.lastEndMs = Math.max(calls.lastEndMs, endMs);
    this.#calls.set(name, calls);
  }
}
