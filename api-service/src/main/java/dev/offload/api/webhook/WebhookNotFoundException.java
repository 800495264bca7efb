package dev.offload.api.webhook;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No such endpoint (or delivery) belongs to the caller. Another user's endpoint is
 * answered the same way, so ids reveal nothing.
 */
class WebhookNotFoundException extends ErrorResponseException {

	WebhookNotFoundException(String detail) {
		super(HttpStatus.NOT_FOUND, problem(detail), null);
	}

	private static ProblemDetail problem(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, detail);
		problem.setTitle("Webhook not found");
		return problem;
	}

}
