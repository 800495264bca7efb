package dev.offload.api.schedule;

import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No schedule with this id belongs to the caller; another user's is answered the same
 * way.
 */
class ScheduleNotFoundException extends ErrorResponseException {

	ScheduleNotFoundException(UUID id) {
		super(HttpStatus.NOT_FOUND, problem(id), null);
	}

	private static ProblemDetail problem(UUID id) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No schedule " + id + " found");
		problem.setTitle("Schedule not found");
		return problem;
	}

}
