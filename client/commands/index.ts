import type { CommandClass } from 'clipanion';
import { AgentCommand } from './agent.js';
import { CompletionCommand } from './completion.js';
import { ImagesCommand } from './images.js';
import { LoginCommand } from './login.js';
import { LogoutCommand } from './logout.js';
import { PreheatCommand } from './preheat.js';
import { PullCommand } from './pull.js';
import { PushCommand } from './push.js';
import { RegistryCommand } from './registry.js';
import { SeedCommand } from './seed.js';
import { TrackerCommand } from './tracker.js';
import { VersionCommand } from './version.js';

/** Every `docket` command; one clipanion class per file in this folder. */
export const commands: CommandClass[] = [
  PushCommand,
  ImagesCommand,
  PullCommand,
  LoginCommand,
  LogoutCommand,
  TrackerCommand,
  SeedCommand,
  AgentCommand,
  PreheatCommand,
  RegistryCommand,
  VersionCommand,
  CompletionCommand,
];
