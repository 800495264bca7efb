package dev.offload.api.report;

import java.util.UUID;

import dev.offload.model.ReportStatus;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The caller tried to cancel a report that has already finished.
 */
class ReportNotCancellableException extends ErrorResponseException {

	ReportNotCancellableException(UUID id, ReportStatus status) {
		super(HttpStatus.CONFLICT, problem(id, status), null);
	}

	private static ProblemDetail problem(UUID id, ReportStatus status) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
				"Report " + id + " is " + status + " and can no longer be cancelled");
		problem.setTitle("Report already finished");
		problem.setProperty("status", status);
		return problem;
	}

}
