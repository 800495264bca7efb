package dev.offload.api.report;

import java.time.Instant;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The caller asked for a file the retention job has deleted
 * ({@code offload.api.retention.keep-files-for}).
 */
class ReportFileGoneException extends ErrorResponseException {

	ReportFileGoneException(UUID id, Instant deletedAt) {
		super(HttpStatus.GONE, problem(id, deletedAt), null);
	}

	private static ProblemDetail problem(UUID id, Instant deletedAt) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.GONE, "The file of report " + id
				+ " was deleted on " + deletedAt + " under the retention policy; request the report again");
		problem.setTitle("Report file deleted");
		problem.setProperty("deletedAt", deletedAt);
		return problem;
	}

}
