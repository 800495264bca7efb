package dev.offload.api.error;

import java.util.List;
import java.util.stream.Collectors;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.util.Assert;
import org.springframework.web.ErrorResponseException;

/**
 * A request the API rejects before anything is stored or queued: a 400 problem detail
 * whose {@code detail} names every invalid field and whose {@code errors} property lists
 * them one by one.
 */
public class InvalidRequestException extends ErrorResponseException {

	private final List<InvalidField> errors;

	/**
	 * Creates the exception.
	 * @param errors what is wrong; at least one
	 */
	public InvalidRequestException(List<InvalidField> errors) {
		super(HttpStatus.BAD_REQUEST, problemDetail(errors), null);
		this.errors = List.copyOf(errors);
	}

	/**
	 * What is wrong with the request.
	 * @return the invalid fields
	 */
	public List<InvalidField> getErrors() {
		return this.errors;
	}

	/**
	 * The problem detail for a request with the given invalid fields.
	 * @param errors what is wrong; at least one
	 * @return the problem detail
	 */
	public static ProblemDetail problemDetail(List<InvalidField> errors) {
		Assert.notEmpty(errors, "errors must not be empty");
		String detail = errors.stream().map(InvalidField::toString).collect(Collectors.joining("; "));
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
		problem.setTitle("Invalid request");
		problem.setProperty("errors", List.copyOf(errors));
		return problem;
	}

}
