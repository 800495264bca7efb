package dev.offload.worker.generation;

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
	 */
	void progress(int percent);

}
