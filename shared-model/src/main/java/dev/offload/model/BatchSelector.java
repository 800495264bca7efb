package dev.offload.model;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A way a report type can pick the reports of a batch from the report data, declared in
 * its {@link ReportTypeDescriptor}: "every customer with orders in the period" is the
 * distinct {@code customer_id}s of {@code sales.orders} whose {@code ordered_on} lies
 * between the batch's {@code from} and {@code to}. Each value found becomes one report,
 * with the value as {@link #parameter()} and the batch's other parameters as given.
 * <p>
 * It names a table and columns rather than carrying SQL, so the API that runs it builds
 * the query from checked identifiers only.
 *
 * @param name the selector's name in batch requests (lower camel case)
 * @param description what it selects, for people
 * @param parameter the report parameter each selected value fills
 * @param table the table (optionally schema-qualified) the values come from
 * @param column the column holding the values
 * @param dateColumn a date column restricting the rows to the batch's period, or
 * {@code null} for every row
 * @param fromParameter the date parameter starting the period (with {@code dateColumn})
 * @param toParameter the date parameter ending the period (with {@code dateColumn})
 */
public record BatchSelector(String name, String description, String parameter, String table, String column,
		String dateColumn, String fromParameter, String toParameter) {

	private static final Pattern NAME = Pattern.compile("[a-z][A-Za-z0-9]{0,63}");

	private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

	/** Checks the names and identifiers. */
	public BatchSelector {
		Objects.requireNonNull(name, "name");
		if (!NAME.matcher(name).matches()) {
			throw new IllegalArgumentException("A selector's name is lower camel case, was '" + name + "'");
		}
		description = (description != null) ? description : "";
		Objects.requireNonNull(parameter, "parameter");
		String[] parts = Objects.requireNonNull(table, "table").split("\\.", -1);
		boolean identifiers = parts.length <= 2
				&& java.util.Arrays.stream(parts).allMatch((part) -> IDENTIFIER.matcher(part).matches())
				&& IDENTIFIER.matcher(Objects.requireNonNull(column, "column")).matches()
				&& (dateColumn == null || IDENTIFIER.matcher(dateColumn).matches());
		if (!identifiers) {
			throw new IllegalArgumentException("A selector names a plain table and columns, was " + table + "." + column
					+ ((dateColumn != null) ? " by " + dateColumn : ""));
		}
		if (dateColumn != null && (fromParameter == null || toParameter == null)) {
			throw new IllegalArgumentException("Selector " + name + ": a date column needs its from and to parameters");
		}
	}

	/**
	 * The query that selects the values, with {@code :from} and {@code :to} when the
	 * selector has a date column. Built from identifiers the constructor checked.
	 * @return the SQL
	 */
	public String query() {
		String quotedTable = java.util.Arrays.stream(this.table.split("\\."))
			.map((part) -> "\"" + part + "\"")
			.collect(java.util.stream.Collectors.joining("."));
		String where = (this.dateColumn != null)
				? " WHERE \"" + this.dateColumn + "\" BETWEEN CAST(:from AS date) AND CAST(:to AS date)" : "";
		return "SELECT DISTINCT CAST(\"" + this.column + "\" AS text) AS value, \"" + this.column + "\" AS sort FROM "
				+ quotedTable + where + " ORDER BY sort";
	}

}
