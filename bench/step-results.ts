/** What one step of a load ladder measured, and the steps of one system: the shapes the run state and the figures share. */

export type Workload = 'direct' | 'fanout';

export interface StepResult {
	workload: Workload;
	system: string;
	step: number;
	/** Offered: messages/s (direct) or deliveries/s (fan-out). */
	offered: number;
	/** Messages/s the sender(s) were asked for. */
	messageRate: number;
	planned: number;
	sent: number;
	expected: number;
	delivered: number;
	deliveryRatio: number;
	/** Deliveries per second over the step. */
	deliveredPerSec: number;
	p50Ms: number | null;
	p99Ms: number | null;
	maxMs: number | null;
	serverCpuMs: number;
	cpuPer1kMs: number | null;
	serverCpuShare: number;
	generatorCpuShare: number;
	/** CPU other processes on the machine used during the step, as a share of one core (noise). */
	otherCpuShare: number;
	acks: number;
	refusals: Record<string, number>;
	dropped: number;
	lateSends: number;
	valid: boolean;
	pass: boolean;
	why?: string;
	/** Direct: offered beyond the per-client cap of the workload. */
	beyondCap?: boolean;
	/** Run a second time because the first failed while other processes were busy. */
	retried?: boolean;
}

export interface SystemSteps {
	direct: StepResult[];
	fanout: StepResult[];
	stored?: StoredCheck;
}

/** A storing peer's archive after its load session: rows against the messages sent and delivered (warm-up included). */
export interface StoredCheck {
	rows: number;
	sent: number;
	delivered: number;
}
