import { Box } from 'ink';
import type { Member, Role } from '../../protocol/index.js';
import { hintLines } from '../format/hint-lines.js';
import { keyName, MEMBERS_KEYS, type MembersKeyAction } from '../keys.js';
import type { MembersOverlay as MembersState } from '../state/chat-state.js';
import { ROLE_HEADINGS, usableMemberKeys, viewerRole } from '../state/members.js';
import { fullName, type Aliases } from '../state/names.js';
import { theme } from '../theme.js';
import { OverlayFrame } from './overlay-frame.js';
import { Text } from './safe-text.js';

/** Rows that are not the list: borders, title, the note and the keys. */
const CHROME_ROWS = 5;

/** What the hint line calls each action (help has the whole sentence); the keys come from the table. */
const HINT_WORDS: Partial<Record<MembersKeyAction, string>> = {
	kick: 'remove',
	ban: 'ban',
	'toggle-admin': 'admin/member',
};

/** The hint line's items for the keys the viewer may use: choosing, then each action (the frame says how to close). */
function hintItems(usable: MembersKeyAction[]): string[] {
	const choose = `${keyName(MEMBERS_KEYS, 'member-previous')}/${keyName(MEMBERS_KEYS, 'member-next')} choose`;
	const actions = usable.flatMap((action) => (HINT_WORDS[action] ? [`${keyName(MEMBERS_KEYS, action)} ${HINT_WORDS[action]}`] : []));
	return [choose, ...actions];
}

type Row = { heading: Role; count: number } | { member: Member; index: number };

/** The list as drawn: a heading before each role's part (the list is in role order already). */
function rowsOf(members: Member[]): Row[] {
	return members.flatMap((member, index): Row[] => {
		const row = { member, index };
		if (members[index - 1]?.role === member.role) return [row];
		return [{ heading: member.role, count: members.filter((other) => other.role === member.role).length }, row];
	});
}

export interface MembersOverlayProps {
	overlay: MembersState;
	me: string;
	aliases: Aliases;
	width: number;
	height: number;
}

/** /members: creator, admins, members (online first in each), a cursor; for an admin or the creator, keys act on the chosen one. */
export function MembersOverlay({ overlay, me, aliases, width, height }: MembersOverlayProps) {
	const { group, members, index, note } = overlay;
	const online = members.filter((member) => member.online).length;
	const hints = hintLines(hintItems(usableMemberKeys(viewerRole(overlay, me))), width - 4);
	const rows = rowsOf(members);
	const room = Math.max(1, height - CHROME_ROWS - (hints.length - 1));
	const at = rows.findIndex((row) => 'member' in row && row.index === index);
	const first = Math.max(0, Math.min(at - room + 1, rows.length - room));
	return (
		<OverlayFrame title={`# ${group} — ${members.length} ${members.length === 1 ? 'member' : 'members'}, ${online} online`} width={width} height={height}>
			{rows.slice(first, first + room).map((row) => {
				if ('heading' in row) {
					return (
						<Text key={`heading:${row.heading}`} bold wrap="truncate">
							{`${ROLE_HEADINGS[row.heading]} (${row.count})`}
						</Text>
					);
				}
				const chosen = row.index === index;
				const { member } = row;
				return (
					<Text key={member.username} wrap="truncate" inverse={chosen}>
						<Text color={theme.accent}>{chosen ? '› ' : '  '}</Text>
						<Text color={member.online ? theme.online : theme.offline}>{member.online ? '● ' : '○ '}</Text>
						{fullName(aliases, member.username)}
						{member.username.toLowerCase() === me.toLowerCase() ? <Text color={theme.system}> (you)</Text> : null}
					</Text>
				);
			})}
			<Box flexGrow={1} />
			<Text color={note?.tone === 'error' ? theme.error : theme.notice} wrap="truncate">
				{note?.text ?? ' '}
			</Text>
			{hints.map((hint) => (
				<Text key={hint} color={theme.system}>
					{hint}
				</Text>
			))}
		</OverlayFrame>
	);
}
