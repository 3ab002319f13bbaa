import { Text } from './safe-text.js';
import type { Member } from '../../protocol/index.js';
import { fullName, type Aliases } from '../state/names.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';

/** A group's members, online first, with their roles. */
export function MembersOverlay(props: { group: string; members: Member[]; aliases: Aliases; width: number; height: number }) {
	const { group, members, aliases, width, height } = props;
	const sorted = [...members].sort((a, b) => Number(b.online) - Number(a.online));
	const online = members.filter((member) => member.online).length;
	return (
		<OverlayFrame title={`# ${group} — ${members.length} members, ${online} online`} width={width} height={height}>
			{sorted.slice(0, Math.max(1, height - 4)).map((member) => (
				<Text key={member.username} wrap="truncate">
					<Text color={member.online ? theme.online : theme.offline}>{member.online ? '● ' : '○ '}</Text>
					{fullName(aliases, member.username)}
					{member.role === 'creator' ? <Text color={theme.notice}> (creator)</Text> : null}
				</Text>
			))}
		</OverlayFrame>
	);
}
