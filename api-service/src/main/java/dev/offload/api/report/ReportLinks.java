package dev.offload.api.report;

import java.util.UUID;

/**
 * The one place a report's API paths are built: its view's links, the {@code Location} of
 * a new report and the links in webhook events all come from here. Relative, so they stay
 * right behind a proxy.
 */
public final class ReportLinks {

	private ReportLinks() {
	}

	/**
	 * Where a report is found.
	 * @param id the report's id
	 * @return {@code /api/reports/{id}}
	 */
	public static String self(UUID id) {
		return ReportController.BASE_PATH + "/" + id;
	}

	/**
	 * Where a succeeded report's file is downloaded by its owner.
	 * @param id the report's id
	 * @return {@code /api/reports/{id}/file}
	 */
	public static String file(UUID id) {
		return self(id) + "/file";
	}

}
