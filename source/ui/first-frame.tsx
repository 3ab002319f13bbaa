import { tooSmall } from './components/too-small.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { connectingLine, LoginScreen } from './screens/login-screen.js';

export interface FirstFrameProps {
	server: string;
	/** The saved login's name for `server`, as the App fills it in. */
	username: string | undefined;
}

const nothing = () => undefined;

/**
 * What the window shows while the rest of the client loads (the App, its
 * client and protocol schemas, the chat screen): the log-in screen exactly
 * as the App first draws it, connecting. It takes no keys; what the user
 * types meanwhile waits in the terminal (run.tsx puts it in raw mode first)
 * until the App reads it, so nothing typed is lost.
 */
export function FirstFrame({ server, username }: FirstFrameProps) {
	const size = useTerminalSize();
	const small = tooSmall(size);
	if (small) return small;
	return (
		<LoginScreen
			width={size.columns}
			height={size.rows}
			initialServer={server}
			initialUsername={username}
			info={connectingLine(server)}
			busy
			inert
			onSubmit={nothing}
			onQuit={nothing}
		/>
	);
}
