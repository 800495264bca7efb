package dev.offload.api.report;

import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No report (or file) with this id belongs to the caller. Another user's report is
 * answered the same way, so ids reveal nothing about reports the caller does not own.
 */
class ReportNotFoundException extends ErrorResponseException {

	ReportNotFoundException(UUID id) {
		this("No report " + id + " found");
	}

	ReportNotFoundException(String detail) {
		super(HttpStatus.NOT_FOUND, problem(detail), null);
	}

	private static ProblemDetail problem(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, detail);
		problem.setTitle("Report not found");
		return problem;
	}

}
