package dev.offload.worker.pipeline;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long this worker has lately taken to build each report type, from claim to written
 * file: an exponentially weighted moving average per type, so a type's cost follows what
 * its reports have cost lately. The pipeline claims several tasks' reports ahead, in one
 * statement, only for types that have been quick ({@link #isQuick}); it knows the types
 * by name only, never what they contain.
 */
final class BuildTimes {

	/** The weight of the newest build in a type's average. */
	private static final double WEIGHT = 0.2;

	private final long quickNanos;

	private final Map<String, Double> averageNanos = new ConcurrentHashMap<>();

	/**
	 * Creates an empty record.
	 * @param quick the longest average build that counts as quick
	 */
	BuildTimes(Duration quick) {
		this.quickNanos = quick.toNanos();
	}

	/**
	 * Records a build.
	 * @param type the report type
	 * @param nanos how long it took
	 */
	void record(String type, long nanos) {
		this.averageNanos.merge(type, (double) nanos, (average, latest) -> average + WEIGHT * (latest - average));
	}

	/**
	 * Whether the type's reports have been quick to build lately: never for a type this
	 * worker has not built yet.
	 * @param type the report type
	 * @return whether its average build is at most the quick limit
	 */
	boolean isQuick(String type) {
		Double average = this.averageNanos.get(type);
		return average != null && average <= this.quickNanos;
	}

}
