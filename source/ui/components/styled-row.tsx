import { Text } from './safe-text.js';
import type { Segment } from '../format/log-rows.js';
import { theme } from '../theme.js';

/** One pre-formatted row; Ink must not wrap it again, so it truncates. */
export function StyledRow({ segments }: { segments: Segment[] }) {
	return (
		<Text wrap="truncate">
			{segments.map((segment, index) => (
				<Text
					key={index}
					{...(segment.role && { color: theme[segment.role] })}
					bold={segment.bold ?? false}
					dimColor={segment.dim ?? false}
					italic={segment.italic ?? false}
					inverse={segment.inverse ?? false}
				>
					{segment.text}
				</Text>
			))}
		</Text>
	);
}
