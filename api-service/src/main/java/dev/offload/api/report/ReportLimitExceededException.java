package dev.offload.api.report;

import java.time.Duration;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A report request refused for load, with {@code Retry-After}: 429 when the caller has
 * too many unfinished reports, 503 when the system's backlog is full.
 */
class ReportLimitExceededException extends ErrorResponseException {

	private ReportLimitExceededException(HttpStatus status, String title, String detail, Duration retryAfter) {
		super(status, problem(status, title, detail), null);
		getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
	}

	static ReportLimitExceededException tooManyUnfinished(int limit, Duration retryAfter) {
		return new ReportLimitExceededException(HttpStatus.TOO_MANY_REQUESTS, "Too many unfinished reports",
				"You have " + limit + " reports queued or running, the most allowed; "
						+ "request more once some have finished, or cancel one",
				retryAfter);
	}

	static ReportLimitExceededException backlogFull(long limit, Duration retryAfter) {
		return new ReportLimitExceededException(HttpStatus.SERVICE_UNAVAILABLE, "Report backlog full",
				"The report backlog is full (" + limit + " reports waiting); please try again later", retryAfter);
	}

	private static ProblemDetail problem(HttpStatus status, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		return problem;
	}

}
