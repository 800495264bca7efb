package dev.offload.worker.pipeline;

import java.time.Duration;
import java.util.Locale;

/**
 * A report ran past {@code offload.worker.report-timeout} and was stopped. This is
 * permanent: built again, it would take as long again.
 */
class ReportTimeoutException extends RuntimeException {

	ReportTimeoutException(Duration limit) {
		super(message(limit));
	}

	/**
	 * What the report's owner is told.
	 * @param limit the time limit
	 * @return the message
	 */
	static String message(Duration limit) {
		return "The report took longer than the limit of " + limit.toString().substring(2).toLowerCase(Locale.ROOT)
				+ " and was stopped; try a smaller date range";
	}

}
