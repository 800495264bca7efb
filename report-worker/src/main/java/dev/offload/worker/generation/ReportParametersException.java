package dev.offload.worker.generation;

/**
 * A report's parameters cannot make a report (missing, malformed or contradictory). This
 * is permanent: building the same report again fails the same way, so it fails at once
 * and the message is meant for the report's owner.
 */
class ReportParametersException extends IllegalArgumentException {

	ReportParametersException(String message) {
		super(message);
	}

	ReportParametersException(String message, Throwable cause) {
		super(message, cause);
	}

}
