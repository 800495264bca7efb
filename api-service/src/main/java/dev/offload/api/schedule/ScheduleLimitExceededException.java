package dev.offload.api.schedule;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The caller has as many schedules as {@code offload.api.schedules.max-per-user} allows:
 * 409 until they delete one.
 */
class ScheduleLimitExceededException extends ErrorResponseException {

	ScheduleLimitExceededException(int limit) {
		super(HttpStatus.CONFLICT, problem(limit), null);
	}

	private static ProblemDetail problem(int limit) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
				"You have " + limit + " schedules, the most allowed; delete one to create another");
		problem.setTitle("Too many schedules");
		return problem;
	}

}
