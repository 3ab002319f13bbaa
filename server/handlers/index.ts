import type { Handlers } from './context.js';
import type { Op } from '../../source/protocol/index.js';
import { accountHandlers } from './accounts.js';
import { friendHandlers } from './friends.js';
import { groupHandlers } from './groups.js';
import { ignoreHandlers } from './ignore.js';
import { fileHandlers } from './files.js';
import { messageHandlers } from './messages.js';
import { readStateHandlers } from './read-state.js';
import { searchHandlers } from './search.js';
import { sessionHandlers } from './sessions.js';

/** Every op's handler, one area per module; the type makes a missing op a compile error. */
export const handlers: Handlers<Op> = {
	...accountHandlers,
	...sessionHandlers,
	...friendHandlers,
	...ignoreHandlers,
	...groupHandlers,
	...messageHandlers,
	...searchHandlers,
	...readStateHandlers,
	...fileHandlers,
};

export type { HandlerContext } from './context.js';
