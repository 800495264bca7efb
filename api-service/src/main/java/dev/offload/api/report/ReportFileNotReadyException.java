package dev.offload.api.report;

import java.util.UUID;

import dev.offload.model.ReportStatus;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The caller asked for the file of a report that has none: it has not succeeded (yet).
 * The problem detail carries the report's {@code status}, so a client knows whether to
 * wait or give up.
 */
class ReportFileNotReadyException extends ErrorResponseException {

	ReportFileNotReadyException(UUID id, ReportStatus status) {
		super(HttpStatus.CONFLICT, problem(id, status), null);
	}

	private static ProblemDetail problem(UUID id, ReportStatus status) {
		String detail = status.isFinished() ? "Report " + id + " is " + status + " and has no file"
				: "Report " + id + " is " + status + "; its file is available once it has SUCCEEDED";
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, detail);
		problem.setTitle("Report file not available");
		problem.setProperty("status", status);
		return problem;
	}

}
