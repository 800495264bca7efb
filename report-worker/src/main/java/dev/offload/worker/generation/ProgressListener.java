package dev.offload.worker.generation;

import java.time.Duration;
import java.util.Optional;

/**
 * Told by a {@link ReportGenerator} how far a report is. Generators may call it as often
 * as they like; the implementation decides how often that reaches the database and the
 * events exchange.
 */
@FunctionalInterface
interface ProgressListener {

	/** A listener that ignores progress. */
	ProgressListener NONE = (percent) -> {
	};

	/**
	 * Reports progress.
	 * @param percent how far the report is, 0 to 100
	 * @throws ClaimLostException if the report is no longer this worker's to build
	 * (cancelled or taken over), so the generator stops early
	 * @throws ReportTimeoutException if the report has run out of time
	 */
	void progress(int percent);

	/**
	 * How long the report may still run, for generators to bound what they wait on (such
	 * as a database query) by it.
	 * @return the time left, or empty if there is no limit
	 * @throws ReportTimeoutException if the report has run out of time
	 */
	default Optional<Duration> timeLeft() {
		return Optional.empty();
	}

}
