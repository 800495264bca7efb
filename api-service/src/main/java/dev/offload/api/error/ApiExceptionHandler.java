package dev.offload.api.error;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import dev.offload.api.security.RequestBodyTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;

import org.springframework.beans.TypeMismatchException;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place errors leave the API, always as an RFC 9457 problem detail
 * ({@code application/problem+json}).
 * <p>
 * Spring MVC's own exceptions and every {@link org.springframework.web.ErrorResponse}
 * (such as {@link InvalidRequestException} and the report package's 404 and 409) are
 * rendered by {@link ResponseEntityExceptionHandler}. This class adds what it lacks: a
 * body or parameter the client got wrong names the field to fix in {@code errors}, the
 * security filters' 401 and 403 come out in the same shape, a database outage is a 503
 * with {@code Retry-After}, and anything unexpected is a 500 that gives nothing away.
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private static final Logger logger = LoggerFactory.getLogger(ApiExceptionHandler.class);

	/**
	 * The request attribute in which the security configuration leaves the
	 * {@code WWW-Authenticate} challenge of a 401 ({@code Basic} or {@code Bearer}).
	 */
	public static final String CHALLENGE_ATTRIBUTE = ApiExceptionHandler.class.getName() + ".challenge";

	/** Seconds a client should wait after a 503 before it tries again. */
	private static final String RETRY_AFTER_SECONDS = "5";

	/**
	 * A request without valid credentials. The security filters hand it over to this
	 * advice (see {@code SecurityConfiguration}) so it looks like every other error.
	 * <p>
	 * A script that says so ({@code X-Requested-With: XMLHttpRequest}, as the web page
	 * does) gets no challenge, as with Spring Security's own HTTP Basic default: a
	 * browser answers a {@code Basic} challenge with its own password dialog, and the
	 * page shows its sign-in form instead.
	 * @param ex the exception
	 * @param request the request
	 * @return 401 with a {@code WWW-Authenticate} challenge, except for scripts
	 */
	@ExceptionHandler(AuthenticationException.class)
	ResponseEntity<ProblemDetail> handleAuthentication(AuthenticationException ex, WebRequest request) {
		boolean badToken = ex instanceof OAuth2AuthenticationException;
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, badToken
				? "The bearer token is not valid (expired, wrongly signed, for another audience, or without the "
						+ "owner's claims or a verified email address)"
				: "Authentication is required to access this resource");
		ResponseEntity.BodyBuilder response = ResponseEntity.status(HttpStatus.UNAUTHORIZED);
		// The page's own requests get no challenge, so the browser shows no login dialog.
		if (!"XMLHttpRequest".equals(request.getHeader("X-Requested-With"))) {
			Object challenge = request.getAttribute(CHALLENGE_ATTRIBUTE, RequestAttributes.SCOPE_REQUEST);
			String header = (challenge != null) ? challenge.toString() : "Basic realm=\"offload\"";
			response.header(HttpHeaders.WWW_AUTHENTICATE, badToken ? "Bearer error=\"invalid_token\"" : header);
		}
		return response.body(problem);
	}

	/**
	 * An authenticated caller without the authority the resource needs.
	 * @param ex the exception
	 * @return 403
	 */
	@ExceptionHandler(AccessDeniedException.class)
	ResponseEntity<ProblemDetail> handleAccessDenied(AccessDeniedException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN,
				"You are not allowed to access this resource");
		return ResponseEntity.status(HttpStatus.FORBIDDEN).body(problem);
	}

	/**
	 * A header, path or parameter holding characters Spring Security's firewall does not
	 * allow (control or non-ASCII characters in a header value, say), found when a
	 * controller reads it.
	 * @param ex the exception
	 * @return 400
	 */
	@ExceptionHandler(RequestRejectedException.class)
	ResponseEntity<ProblemDetail> handleRequestRejected(RequestRejectedException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
				"The request holds characters that are not allowed in a header, the path or a parameter");
		problem.setTitle("Malformed request");
		return ResponseEntity.badRequest().body(problem);
	}

	/**
	 * A request body over {@code offload.api.security.max-request-body}, refused by the
	 * security filters before or while it was read.
	 * @param ex the exception
	 * @return 413
	 */
	@ExceptionHandler(RequestBodyTooLargeException.class)
	ResponseEntity<ProblemDetail> handleBodyTooLarge(RequestBodyTooLargeException ex) {
		return bodyTooLarge(ex);
	}

	private static ResponseEntity<ProblemDetail> bodyTooLarge(RequestBodyTooLargeException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE,
				"The request body may have at most " + ex.maxBytes() + " bytes");
		problem.setTitle("Request body too large");
		return ResponseEntity.status(HttpStatus.CONTENT_TOO_LARGE).body(problem);
	}

	/**
	 * PostgreSQL cannot be reached or is overloaded: the request may succeed later. Had
	 * the connection failed after a commit, what the request wrote may be stored; a
	 * request repeated with the same {@code Idempotency-Key} creates nothing twice.
	 * @param ex the exception
	 * @return 503 with {@code Retry-After}
	 */
	@ExceptionHandler({ DataAccessResourceFailureException.class, TransientDataAccessException.class })
	ResponseEntity<ProblemDetail> handleDatabaseUnavailable(RuntimeException ex) {
		logger.warn("Answering 503: the database is unavailable", ex);
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"The service is temporarily unavailable. Try again later; a request repeated with the same "
						+ "Idempotency-Key creates nothing twice.");
		return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
			.header(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS)
			.body(problem);
	}

	/**
	 * Anything no other handler knows: logged in full here, answered without internals.
	 * @param ex the exception
	 * @return 500
	 */
	@ExceptionHandler(Exception.class)
	ResponseEntity<ProblemDetail> handleUnexpected(Exception ex) {
		logger.error("Unexpected error while handling a request", ex);
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
				"An unexpected error occurred; it has been logged.");
		return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).body(problem);
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		RequestBodyTooLargeException tooLarge = findCause(ex, RequestBodyTooLargeException.class);
		if (tooLarge != null) {
			return new ResponseEntity<>(bodyTooLarge(tooLarge).getBody(), HttpStatus.CONTENT_TOO_LARGE);
		}
		InvalidField error = describe(ex);
		return handleExceptionInternal(ex, InvalidRequestException.problemDetail(List.of(error)), headers,
				HttpStatus.BAD_REQUEST, request);
	}

	@Override
	protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
			HttpStatusCode status, WebRequest request) {
		String field = (ex instanceof MethodArgumentTypeMismatchException mismatch) ? mismatch.getName()
				: ex.getPropertyName();
		String message = "'" + ex.getValue() + "' is not " + describeType(ex.getRequiredType());
		return handleExceptionInternal(ex,
				InvalidRequestException.problemDetail(List.of(new InvalidField(String.valueOf(field), message))),
				headers, HttpStatus.BAD_REQUEST, request);
	}

	@Override
	protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<InvalidField> errors = new ArrayList<>();
		for (FieldError error : ex.getBindingResult().getFieldErrors()) {
			errors.add(new InvalidField(error.getField(), message(error)));
		}
		ex.getBindingResult()
			.getGlobalErrors()
			.forEach((error) -> errors.add(new InvalidField(error.getObjectName(), message(error))));
		return handleExceptionInternal(ex, InvalidRequestException.problemDetail(errors), headers,
				HttpStatus.BAD_REQUEST, request);
	}

	@Override
	protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<InvalidField> errors = ex.getParameterValidationResults()
			.stream()
			.flatMap((result) -> result.getResolvableErrors()
				.stream()
				.map((error) -> new InvalidField(
						parameterName(result.getMethodParameter().getParameterName(),
								result.getMethodParameter().getParameterAnnotation(RequestParam.class)),
						message(error))))
			.toList();
		if (errors.isEmpty()) {
			return super.handleHandlerMethodValidationException(ex, headers, status, request);
		}
		return handleExceptionInternal(ex, InvalidRequestException.problemDetail(errors), headers,
				HttpStatus.BAD_REQUEST, request);
	}

	private static String parameterName(String javaName, RequestParam requestParam) {
		if (requestParam != null && !requestParam.name().isEmpty()) {
			return requestParam.name();
		}
		return javaName;
	}

	private static String message(MessageSourceResolvable error) {
		return (error.getDefaultMessage() != null) ? error.getDefaultMessage() : "is invalid";
	}

	/**
	 * Names the field Jackson choked on and says what it expected, without echoing
	 * Jackson's message (which names Java classes).
	 */
	private static InvalidField describe(HttpMessageNotReadableException ex) {
		JacksonException jackson = findCause(ex, JacksonException.class);
		if (jackson == null) {
			return new InvalidField("body", "a JSON request body is required");
		}
		String field = path(jackson);
		if (jackson instanceof StreamReadException) {
			TokenStreamLocation location = jackson.getLocation();
			String where = (location != null)
					? " at line " + location.getLineNr() + ", column " + location.getColumnNr() : "";
			return new InvalidField(field.isEmpty() ? "body" : field, "is not well-formed JSON" + where);
		}
		if (jackson instanceof MismatchedInputException mismatch && !field.isEmpty()) {
			return new InvalidField(field, "must be " + describeType(mismatch.getTargetType()));
		}
		return new InvalidField(field.isEmpty() ? "body" : field, "cannot be read as the expected JSON");
	}

	private static String path(JacksonException ex) {
		StringBuilder path = new StringBuilder();
		for (JacksonException.Reference reference : ex.getPath()) {
			if (reference.getPropertyName() != null) {
				if (!path.isEmpty()) {
					path.append('.');
				}
				path.append(reference.getPropertyName());
			}
			else if (reference.getIndex() >= 0) {
				path.append('[').append(reference.getIndex()).append(']');
			}
		}
		return path.toString();
	}

	private static String describeType(Class<?> type) {
		if (type == null) {
			return "of the expected type";
		}
		if (type.isEnum()) {
			return "one of "
					+ Arrays.stream(type.getEnumConstants()).map(String::valueOf).collect(Collectors.joining(", "));
		}
		if (type == UUID.class) {
			return "a UUID";
		}
		if (CharSequence.class.isAssignableFrom(type)) {
			return "a string";
		}
		if (Map.class.isAssignableFrom(type)) {
			return "a JSON object";
		}
		if (Iterable.class.isAssignableFrom(type) || type.isArray()) {
			return "a JSON array";
		}
		if (type == Boolean.class || type == boolean.class) {
			return "true or false";
		}
		if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
			return "a number";
		}
		if (type.isRecord()) {
			return "a JSON object";
		}
		return "a " + type.getSimpleName().toLowerCase(Locale.ROOT);
	}

	private static <T extends Throwable> T findCause(Throwable ex, Class<T> type) {
		Throwable candidate = ex;
		while (candidate != null) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
			candidate = (candidate.getCause() != candidate) ? candidate.getCause() : null;
		}
		return null;
	}

}
