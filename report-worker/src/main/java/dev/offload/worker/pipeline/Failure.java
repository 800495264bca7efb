package dev.offload.worker.pipeline;

import java.time.Duration;
import java.util.Locale;

import dev.offload.worker.TransientFailures;
import dev.offload.worker.catalogue.ReportParametersException;

/**
 * Why an attempt at a report failed, which decides what happens next, and the one owner
 * of what a report's owner is told about it: the text stored in the report's
 * {@code error} (shown by the API, its list and live status) and carried by its FAILED
 * event (the email, any other subscriber).
 * <p>
 * That text is a fixed summary chosen by the category, never an exception's message:
 * messages of drivers, the broker client and the file stores name hosts, ports, SQL and
 * bucket keys. The one exception is {@link ReportParametersException}, the type a report
 * definition throws on purpose to tell the owner what to fix; its message is written for
 * users and is shown as it is. Every other exception, whatever its type (a plain
 * {@link IllegalArgumentException} included), is an internal error to users, and its
 * detail goes to the log with the report id in the MDC.
 */
enum Failure {

	/**
	 * The task itself is wrong (bad parameters, a {@link ReportParametersException}):
	 * trying again fails the same way.
	 */
	PERMANENT,

	/** The report ran past its time limit: it would take as long again. */
	TIMED_OUT,

	/**
	 * Something around the task was unavailable (database, broker, I/O): it may pass
	 * later, so the task is retried.
	 */
	TRANSIENT,

	/** Anything else, a bug: retrying would fail the same way. */
	UNEXPECTED;

	/** The longest summary stored, as {@code error} has no limit of its own. */
	private static final int MAX_SUMMARY_LENGTH = 500;

	static Failure of(RuntimeException ex, boolean pastDeadline) {
		if (ex instanceof ReportTimeoutException || pastDeadline) {
			return TIMED_OUT;
		}
		if (ex instanceof ReportParametersException) {
			return PERMANENT;
		}
		return (ex instanceof ReportTypeNotOfferedException || TransientFailures.isTransient(ex)) ? TRANSIENT
				: UNEXPECTED;
	}

	/**
	 * What the report's owner is told once it has failed for good.
	 * @param ex the failure
	 * @param reportTimeout the time limit of a report
	 * @param attempts how many attempts were made
	 * @return the summary; for a permanent failure the message of its
	 * {@link ReportParametersException}, otherwise a fixed text
	 */
	String summary(RuntimeException ex, Duration reportTimeout, int attempts) {
		return switch (this) {
			case PERMANENT -> usersMessage(ex);
			case TIMED_OUT -> ReportTimeoutException.message(reportTimeout);
			case TRANSIENT ->
				"The report could not be built in " + attempts + ((attempts == 1) ? " attempt" : " attempts")
						+ " because a service it needs was unavailable; please request it again later";
			case UNEXPECTED -> "The report could not be built because of an internal error, which has been logged "
					+ "for the operators";
		};
	}

	/**
	 * What the report's owner is told while it waits for its next attempt, after a
	 * transient failure. A QUEUED report with an error is also how reconciliation knows
	 * it waits for a delayed retry, so this is never empty.
	 * @param attempt the attempt that failed
	 * @return the summary
	 */
	static String retrying(int attempt) {
		return "Attempt " + attempt + " could not finish because a service the report needs was unavailable; "
				+ "it will be tried again";
	}

	String tag() {
		return name().toLowerCase(Locale.ROOT).replace('_', '-');
	}

	private static String usersMessage(RuntimeException ex) {
		String text = ex.getMessage();
		if (text == null || text.isBlank()) {
			return "The report's parameters cannot make a report";
		}
		return (text.length() > MAX_SUMMARY_LENGTH) ? text.substring(0, MAX_SUMMARY_LENGTH) : text;
	}

}
