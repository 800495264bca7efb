package dev.offload.model;

/**
 * Which lane a report's task travels in. A report someone just asked for is
 * {@link #INTERACTIVE}; reports that a schedule or a batch creates are {@link #BULK}.
 * Each lane has its own queue, and every worker keeps consumers on both, so interactive
 * work never waits behind a month-end pile of bulk work (see
 * {@link Topology#bulkQueue()}).
 */
public enum ReportPriority {

	/** Requested by a person who is waiting: the {@code reports.generate} queue. */
	INTERACTIVE,

	/** Created by a schedule or a batch: the {@code reports.generate.bulk} queue. */
	BULK

}
