package dev.offload.api.report;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A client sent an {@code Idempotency-Key} it already used for a different request.
 * Returning the earlier report would hide the mistake; creating a new one would break the
 * key's promise, so the request is refused.
 */
class IdempotencyKeyReusedException extends ErrorResponseException {

	IdempotencyKeyReusedException(String key) {
		super(HttpStatus.UNPROCESSABLE_CONTENT, problem(key), null);
	}

	private static ProblemDetail problem(String key) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNPROCESSABLE_CONTENT, "Idempotency-Key '"
				+ key + "' was already used for a request with another type, format or parameters; use a new key");
		problem.setTitle("Idempotency-Key reused");
		return problem;
	}

}
