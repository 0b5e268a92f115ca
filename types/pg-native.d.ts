declare module 'pg-native' {
  /** brianc's libpq binding; only the synchronous calls docket uses. */
  interface TypeParsers {
    getTypeParser(oid: number, format?: string): (value: string) => unknown;
  }
  interface ErrorFields {
    sqlState?: string;
    messagePrimary?: string;
  }
  class Client {
    constructor(config?: { types?: TypeParsers });
    pq: {
      cmdTuples(): string;
      resultErrorFields(): ErrorFields | undefined;
      transactionStatus(): number;
      connected: boolean;
      finish(): void;
    };
    connectSync(params: string): void;
    querySync(text: string, values?: (string | null)[]): Record<string, unknown>[];
    prepareSync(name: string, text: string, nParams: number): void;
    executeSync(name: string, values: (string | null)[]): Record<string, unknown>[];
    end(cb?: () => void): void;
  }
  export default Client;
}
