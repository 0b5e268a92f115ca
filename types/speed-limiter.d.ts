declare module 'speed-limiter' {
  import type { Duplex } from 'node:stream';

  /** limiter's TokenBucket, which a ThrottleGroup draws from. */
  export interface TokenBucket {
    /** The burst: at most this many tokens are kept while nobody takes them. */
    bucketSize: number;
    tokensPerInterval: number;
    /** Takes `count` tokens if there are that many now. */
    tryRemoveTokens(count: number): boolean;
    /** Takes `count` (at most bucketSize) tokens once there are, then calls back. */
    removeTokens(count: number, callback: (err: unknown, remaining?: number) => void): boolean;
  }

  export interface ThrottleGroupOptions {
    /** Bytes per second. */
    rate?: number;
    /** The slice a throttle passes at a time (default rate / 10). */
    chunksize?: number;
    enabled?: boolean;
  }

  /** A streamx Transform passing bytes as its group's bucket allows. */
  export type Throttle = Duplex;

  export class ThrottleGroup {
    constructor(opts?: ThrottleGroupOptions);
    bucket: TokenBucket;
    getEnabled(): boolean;
    getRate(): number;
    getChunksize(): number;
    setEnabled(enabled?: boolean): void;
    setRate(rate: number, chunksize?: number | null): void;
    throttle(opts?: object): Throttle;
    /** Destroys every throttle this group made. */
    destroy(): void;
  }
}
