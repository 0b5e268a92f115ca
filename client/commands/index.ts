import type { CommandClass } from 'clipanion';

/** Every `docket` command; one clipanion class per file in this folder. */
export const commands: CommandClass[] = [];
