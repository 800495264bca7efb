package dev.offload.worker.catalogue;

/**
 * A report's parameters cannot make a report. Retrying would fail the same way, so the
 * report fails at once and its owner is told this message: it says what to fix.
 * <p>
 * This is the one exception whose message users see (in the report's {@code error}, its
 * live status and the failure email); the message of any other exception stays in the
 * worker's log. So write it for the report's owner, in terms of the parameters they gave,
 * and never with text from a cause (a driver's or a store's message, SQL, host names).
 */
public class ReportParametersException extends IllegalArgumentException {

	public ReportParametersException(String message) {
		super(message);
	}

	public ReportParametersException(String message, Throwable cause) {
		super(message, cause);
	}

}
