package dev.offload.api.report;

import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The store holding a report's file (the object storage, say) cannot be reached: the file
 * is not lost, and the download may succeed later (503 with {@code Retry-After}).
 */
class FileStoreUnavailableException extends ErrorResponseException {

	FileStoreUnavailableException(UUID reportId, String store, Throwable cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE, problem(reportId, store), cause);
		getHeaders().set("Retry-After", "10");
	}

	private static ProblemDetail problem(UUID reportId, String store) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"The file of report " + reportId + " is kept in file store '" + store
						+ "', which cannot be reached right now. Try again later.");
		problem.setTitle("File store unavailable");
		return problem;
	}

}
