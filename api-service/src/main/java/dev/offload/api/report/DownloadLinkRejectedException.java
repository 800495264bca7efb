package dev.offload.api.report;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A signed download link that does not grant the download: its signature does not match
 * (tampered with, or for another report) or it has expired. Both are 403, with a message
 * saying which, and nothing about whether the report exists.
 */
class DownloadLinkRejectedException extends ErrorResponseException {

	private DownloadLinkRejectedException(String title, String detail) {
		super(HttpStatus.FORBIDDEN, problem(title, detail), null);
	}

	static DownloadLinkRejectedException invalid() {
		return new DownloadLinkRejectedException("Download link not valid",
				"This download link is not valid: it was altered or is incomplete. "
						+ "Use the link from the email as it is, or sign in to download the report");
	}

	static DownloadLinkRejectedException expired() {
		return new DownloadLinkRejectedException("Download link expired",
				"This download link has expired. Sign in to download the report");
	}

	private static ProblemDetail problem(String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, detail);
		problem.setTitle(title);
		return problem;
	}

}
