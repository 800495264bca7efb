package dev.offload.api.live;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A user asked for another live status stream while holding as many as one replica allows
 * ({@code offload.api.live.max-streams-per-user}).
 */
class TooManyStreamsException extends ErrorResponseException {

	TooManyStreamsException(int limit) {
		super(HttpStatus.TOO_MANY_REQUESTS, problem(limit), null);
	}

	private static ProblemDetail problem(int limit) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, "You have " + limit
				+ " live status streams open, the most allowed; close one (a browser tab) and try again");
		problem.setTitle("Too many live status streams");
		return problem;
	}

}
