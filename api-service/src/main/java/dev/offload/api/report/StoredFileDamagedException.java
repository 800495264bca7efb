package dev.offload.api.report;

import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A report's stored file is missing from its store or differs from what was recorded:
 * answered with a problem response (500), never with a truncated file, and counted in
 * {@code offload.files.integrity.failures}.
 */
class StoredFileDamagedException extends ErrorResponseException {

	private final String reason;

	StoredFileDamagedException(UUID reportId, String reason, String detail) {
		super(HttpStatus.INTERNAL_SERVER_ERROR, problem(reportId, detail), null);
		this.reason = reason;
	}

	private static ProblemDetail problem(UUID reportId, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
				"The stored file of report " + reportId + " " + detail
						+ "; operators have been alerted. Request the report again.");
		problem.setTitle("Stored report file is damaged");
		return problem;
	}

	/**
	 * The metric tag: {@code missing}, {@code size-differs} or {@code other-store}.
	 * @return the reason
	 */
	String reason() {
		return this.reason;
	}

}
