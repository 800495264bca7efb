package dev.offload.worker.catalogue;

/**
 * A report's parameters cannot make a report. Retrying would fail the same way, so the
 * report fails at once and its owner is told this message: it says what to fix.
 */
public class ReportParametersException extends IllegalArgumentException {

	public ReportParametersException(String message) {
		super(message);
	}

	public ReportParametersException(String message, Throwable cause) {
		super(message, cause);
	}

}
