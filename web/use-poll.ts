import { useEffect, useRef, useState } from 'preact/hooks';
import { UnauthorizedError } from './api.js';

export interface Poll<T> {
  data: T | undefined;
  error: Error | undefined;
}

/**
 * Calls `load` now and every `intervalMs` while the component is mounted, one call at a
 * time. A 401 goes to `onUnauthorized` (the page then asks for a token) instead of
 * `error`.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  onUnauthorized: () => void,
  onData?: (data: T) => void,
): Poll<T> {
  const [state, setState] = useState<Poll<T>>({ data: undefined, error: undefined });
  const callbacks = useRef({ load, onUnauthorized, onData });
  callbacks.current = { load, onUnauthorized, onData };
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const data = await callbacks.current.load();
        if (stopped) return;
        callbacks.current.onData?.(data);
        setState({ data, error: undefined });
      } catch (err) {
        if (stopped) return;
        if (err instanceof UnauthorizedError) {
          callbacks.current.onUnauthorized();
          return;
        }
        setState((s) => ({ data: s.data, error: err as Error }));
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [intervalMs]);
  return state;
}
