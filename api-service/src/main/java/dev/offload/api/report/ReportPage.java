package dev.offload.api.report;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.offload.model.ReportStatus;

import org.springframework.web.util.UriComponentsBuilder;

/**
 * One page of a caller's reports, newest first. There is no total: counting a user's
 * whole history on every call is what keyset paging avoids. {@code nextCursor} and
 * {@code links.next} are there only while at least one more report follows (one row more
 * than the page holds is read to know); the last page has neither.
 *
 * @param items the reports on this page
 * @param limit the most reports a page holds, as requested
 * @param nextCursor the {@code cursor} of the next page; absent on the last page
 * @param links links from this page: {@code next}, absent on the last page
 */
record ReportPage(List<ReportView> items, int limit, @JsonInclude(JsonInclude.Include.NON_NULL) String nextCursor,
		Links links) {

	/**
	 * A page, and where the next one starts.
	 * @param reports the reports read: up to {@code limit + 1}, one more than shown, so
	 * the page knows whether any follow
	 * @param status the status filter, or {@code null}
	 * @param limit the page size
	 * @return the page
	 */
	static ReportPage of(List<Report> reports, ReportStatus status, int limit) {
		boolean more = reports.size() > limit;
		List<Report> shown = more ? reports.subList(0, limit) : reports;
		String next = more ? ReportCursor.after(shown.get(shown.size() - 1)).encode() : null;
		return new ReportPage(shown.stream().map(ReportView::of).toList(), limit, next,
				new Links((next != null) ? nextLink(status, limit, next) : null));
	}

	private static String nextLink(ReportStatus status, int limit, String cursor) {
		UriComponentsBuilder link = UriComponentsBuilder.fromPath(ReportController.BASE_PATH);
		if (status != null) {
			link.queryParam("status", status.name());
		}
		return link.queryParam("limit", limit).queryParam("cursor", cursor).build().toUriString();
	}

	/**
	 * Links from this page.
	 *
	 * @param next the next page, relative like every link of the API; absent on the last
	 * page
	 */
	record Links(@JsonInclude(JsonInclude.Include.NON_NULL) String next) {

	}

}
