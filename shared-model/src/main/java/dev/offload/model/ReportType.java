package dev.offload.model;

import java.util.List;

/**
 * The kinds of report Offload can build, each with the parameters it takes. The API
 * publishes this catalogue and validates requests against it; the worker has one
 * generator per type.
 */
public enum ReportType {

	/**
	 * Revenue by month and region, the top products and the totals for a date range of
	 * the sales data.
	 */
	SALES_SUMMARY("Sales summary", "Revenue by month and region, top products and totals for a date range.",
			List.of(ReportParameter.date("from", "First order date included (ISO-8601, e.g. 2024-01-01)."),
					ReportParameter.date("to", "Last order date included (ISO-8601, e.g. 2024-12-31)."))),

	/**
	 * A report that reads no data and writes a one-line file: for measuring the dispatch
	 * path (claim, status updates, events, acknowledgement) without the cost of a report.
	 */
	NO_OP("No-op", "Reads nothing and writes a one-line file; for measuring the pipeline itself.", List.of());

	private final String title;

	private final String description;

	private final List<ReportParameter> parameters;

	ReportType(String title, String description, List<ReportParameter> parameters) {
		this.title = title;
		this.description = description;
		this.parameters = parameters;
	}

	/**
	 * A short human-readable name.
	 * @return the title
	 */
	public String title() {
		return this.title;
	}

	/**
	 * What the report contains.
	 * @return the description
	 */
	public String description() {
		return this.description;
	}

	/**
	 * The parameters this type takes.
	 * @return the parameters, in display order
	 */
	public List<ReportParameter> parameters() {
		return this.parameters;
	}

	/**
	 * One parameter a report type takes.
	 *
	 * @param name the name used in requests and tasks
	 * @param kind the kind of value
	 * @param required whether a request must give it
	 * @param description what it means
	 */
	public record ReportParameter(String name, Kind kind, boolean required, String description) {

		static ReportParameter date(String name, String description) {
			return new ReportParameter(name, Kind.DATE, true, description);
		}

		/** The kinds of parameter value. */
		public enum Kind {

			/** An ISO-8601 calendar date. */
			DATE

		}

	}

}
