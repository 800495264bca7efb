package dev.offload.api.batch;

import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No batch with this id belongs to the caller; another user's batch is answered the same
 * way.
 */
class BatchNotFoundException extends ErrorResponseException {

	BatchNotFoundException(UUID id) {
		super(HttpStatus.NOT_FOUND, problem(id), null);
	}

	private static ProblemDetail problem(UUID id) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "No batch " + id + " found");
		problem.setTitle("Batch not found");
		return problem;
	}

}
