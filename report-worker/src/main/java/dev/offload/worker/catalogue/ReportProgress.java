package dev.offload.worker.catalogue;

import java.time.Duration;
import java.util.Optional;

/**
 * Told by a {@link ReportDefinition} how far a report is. Definitions may call it as
 * often as they like; the pipeline decides how often that reaches the database and the
 * events exchange.
 */
public interface ReportProgress {

	/** Progress that goes nowhere and no time limit, for tests and tools. */
	ReportProgress NONE = (percent) -> {
	};

	/**
	 * Reports progress.
	 * @param percent how far the report is, 0 to 100
	 * @throws RuntimeException if the report is no longer this worker's to build
	 * (cancelled or taken over) or has run out of time, so the definition stops early;
	 * definitions let it pass
	 */
	void progress(int percent);

	/**
	 * How long the report may still run, to bound what it waits on (such as a query).
	 * @return the time left, or empty if there is no limit
	 */
	default Optional<Duration> timeLeft() {
		return Optional.empty();
	}

}
