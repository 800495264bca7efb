package dev.offload.api.batch;

import java.time.Duration;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** A user with too many unfinished batches asked for another: 429 with Retry-After. */
class TooManyBatchesException extends ErrorResponseException {

	TooManyBatchesException(int limit, Duration retryAfter) {
		super(HttpStatus.TOO_MANY_REQUESTS, problem(limit), null);
		getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
	}

	private static ProblemDetail problem(int limit) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, "You have " + limit
				+ " unfinished batches, the most allowed; start another once one has finished, or cancel one");
		problem.setTitle("Too many unfinished batches");
		return problem;
	}

}
