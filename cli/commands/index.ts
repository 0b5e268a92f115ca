import type { CommandClass } from 'clipanion';
import { CacheCommand } from './cache.js';
import { GcCommand } from './gc.js';
import { HistoryCommand } from './history.js';
import { AgentCommand } from './agent.js';
import { CompletionCommand } from './completion.js';
import { ImagesCommand } from './images.js';
import { InspectCommand } from './inspect.js';
import { LoginCommand } from './login.js';
import { LogoutCommand } from './logout.js';
import { PreheatCommand } from './preheat.js';
import { PullCommand } from './pull.js';
import { PushCommand } from './push.js';
import { RegistryCommand } from './registry.js';
import { RmCommand } from './rm.js';
import { RollbackCommand } from './rollback.js';
import { SeedCommand } from './seed.js';
import { TokenCreateCommand } from './token/create.js';
import { TokenLsCommand } from './token/ls.js';
import { TokenRevokeCommand } from './token/revoke.js';
import { TokenRotateCommand } from './token/rotate.js';
import { TrackerCommand } from './tracker.js';
import { VersionCommand } from './version.js';

/** Every `docket` command; one clipanion class per file in this folder (token/: `docket token ...`). */
export const commands: CommandClass[] = [
  PushCommand,
  ImagesCommand,
  PullCommand,
  RmCommand,
  HistoryCommand,
  RollbackCommand,
  InspectCommand,
  GcCommand,
  CacheCommand,
  LoginCommand,
  LogoutCommand,
  TrackerCommand,
  SeedCommand,
  AgentCommand,
  PreheatCommand,
  RegistryCommand,
  TokenCreateCommand,
  TokenLsCommand,
  TokenRevokeCommand,
  TokenRotateCommand,
  VersionCommand,
  CompletionCommand,
];
