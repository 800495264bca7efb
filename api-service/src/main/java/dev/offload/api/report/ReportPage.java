package dev.offload.api.report;

import java.util.List;

/**
 * One page of a caller's reports, newest first.
 *
 * @param items the reports on this page
 * @param page the page number, from 0
 * @param size the requested page size
 * @param totalItems how many reports match in all
 * @param totalPages how many pages of this size there are
 */
record ReportPage(List<ReportView> items, int page, int size, long totalItems, long totalPages) {

	static ReportPage of(List<ReportView> items, int page, int size, long totalItems) {
		return new ReportPage(items, page, size, totalItems, (totalItems + size - 1) / size);
	}

}
