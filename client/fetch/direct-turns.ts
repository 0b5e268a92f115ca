import { finished, type Readable } from 'node:stream';

/**
 * Turns for direct downloads, handed out in the order they are asked for (bottom layer
 * first): a turn's body opens once the previous turn's body has closed, or the previous
 * turn was released unused. Direct downloads come from one registry over one link, so two
 * at once only halve each other's speed; one at a time, the bottom layer arrives whole
 * first and the engine extracts it while the next one comes.
 */
export interface DirectTurn {
  open(opener: () => Promise<Readable | undefined>): Promise<Readable | undefined>;
  /** Gives the turn up unless a body holds it (a fetch that went another way). */
  release(): void;
}

export function directTurns(): () => DirectTurn {
  let previous: Promise<void> = Promise.resolve();
  return () => {
    const mine = previous;
    let done!: () => void;
    previous = new Promise((resolve) => {
      done = resolve;
    });
    let holding = false;
    return {
      open: (opener) => {
        holding = true;
        return mine.then(opener).then(
          (body) => {
            if (body) finished(body, () => done());
            else done();
            return body;
          },
          (err: unknown) => {
            done();
            throw err;
          },
        );
      },
      release: () => {
        if (!holding) done();
      },
    };
  };
}
