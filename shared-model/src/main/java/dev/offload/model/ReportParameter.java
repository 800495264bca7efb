package dev.offload.model;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One parameter a report type takes, as declared in its {@link ReportTypeDescriptor}. The
 * API validates requests against it; the worker reads the validated values. Parameter
 * values travel as strings (dates as ISO-8601, integers in decimal).
 *
 * @param name the name used in requests and tasks (lower camel case)
 * @param kind the kind of value
 * @param required whether a request must give it; an optional parameter without a value
 * takes {@code defaultValue}, or stays absent if that is {@code null}
 * @param description what it means, shown beside the form field
 * @param defaultValue the value of an optional parameter a request leaves out, or
 * {@code null}
 * @param choices the allowed values of a {@link Kind#CHOICE}; empty for other kinds
 * @param min the least value of an {@link Kind#INTEGER}, or {@code null}
 * @param max the greatest value of an {@link Kind#INTEGER}, or {@code null}
 * @param notBefore for a {@link Kind#DATE}: the name of another date parameter this one
 * must not precede (the end of a range names its start), or {@code null}
 * @param reference for a {@link Kind#REFERENCE}: the row of the report data the value
 * must name; {@code null} for other kinds
 */
public record ReportParameter(String name, Kind kind, boolean required, String description, String defaultValue,
		List<String> choices, Long min, Long max, String notBefore, Reference reference) {

	private static final Pattern NAME = Pattern.compile("[a-z][A-Za-z0-9]{0,63}");

	/** Checks that the fields fit the kind. */
	public ReportParameter {
		Objects.requireNonNull(name, "name");
		if (!NAME.matcher(name).matches()) {
			throw new IllegalArgumentException("A parameter's name is lower camel case, was '" + name + "'");
		}
		Objects.requireNonNull(kind, "kind");
		description = (description != null) ? description : "";
		choices = (choices != null) ? List.copyOf(choices) : List.of();
		if ((kind == Kind.CHOICE) == choices.isEmpty()) {
			throw new IllegalArgumentException("Parameter " + name + ": choices are for, and required by, CHOICE");
		}
		if ((kind == Kind.REFERENCE) != (reference != null)) {
			throw new IllegalArgumentException(
					"Parameter " + name + ": a reference is for, and required by, REFERENCE");
		}
		if (required && defaultValue != null) {
			throw new IllegalArgumentException("Parameter " + name + ": a required parameter has no default");
		}
	}

	/**
	 * A required ISO-8601 date.
	 * @param name the name
	 * @param description what it means
	 * @return the parameter
	 */
	public static ReportParameter date(String name, String description) {
		return new ReportParameter(name, Kind.DATE, true, description, null, null, null, null, null, null);
	}

	/**
	 * A required ISO-8601 date that must not precede another date parameter (the end of a
	 * range).
	 * @param name the name
	 * @param description what it means
	 * @param start the name of the date parameter it must not precede
	 * @return the parameter
	 */
	public static ReportParameter dateNotBefore(String name, String description, String start) {
		return new ReportParameter(name, Kind.DATE, true, description, null, null, null, null, start, null);
	}

	/**
	 * A required choice from a list.
	 * @param name the name
	 * @param description what it means
	 * @param choices the allowed values
	 * @return the parameter
	 */
	public static ReportParameter choice(String name, String description, List<String> choices) {
		return new ReportParameter(name, Kind.CHOICE, true, description, null, choices, null, null, null, null);
	}

	/**
	 * A required whole number in a range.
	 * @param name the name
	 * @param description what it means
	 * @param min the least value
	 * @param max the greatest value
	 * @return the parameter
	 */
	public static ReportParameter integer(String name, String description, long min, long max) {
		return new ReportParameter(name, Kind.INTEGER, true, description, null, null, min, max, null, null);
	}

	/**
	 * A required reference to a row of the report data.
	 * @param name the name
	 * @param description what it means
	 * @param reference the table and column the value must be found in
	 * @return the parameter
	 */
	public static ReportParameter reference(String name, String description, Reference reference) {
		return new ReportParameter(name, Kind.REFERENCE, true, description, null, null, null, null, null, reference);
	}

	/**
	 * This parameter made optional.
	 * @param value the value it takes when a request leaves it out, or {@code null} for
	 * none
	 * @return the optional parameter
	 */
	public ReportParameter optional(String value) {
		return new ReportParameter(this.name, this.kind, false, this.description, value, this.choices, this.min,
				this.max, this.notBefore, this.reference);
	}

	/** The kinds of parameter value. */
	public enum Kind {

		/** An ISO-8601 calendar date, {@code yyyy-MM-dd}. */
		DATE,

		/** One of {@link ReportParameter#choices()}. */
		CHOICE,

		/**
		 * A whole number between {@link ReportParameter#min()} and
		 * {@link ReportParameter#max()}.
		 */
		INTEGER,

		/** The key of an existing row of the report data, such as a customer id. */
		REFERENCE

	}

	/**
	 * Where the value of a {@link Kind#REFERENCE} must be found: a row of {@code table}
	 * whose {@code column} equals it. Identifiers are plain lower-case SQL names
	 * (checked), so they can be quoted into a query safely.
	 *
	 * @param table the table, optionally schema-qualified, for example
	 * {@code sales.customers}
	 * @param column the key column, for example {@code id}
	 * @param type the key's SQL type, {@code bigint} or {@code text}
	 */
	public record Reference(String table, String column, String type) {

		private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

		/** Checks the identifiers and the type. */
		public Reference {
			Objects.requireNonNull(table, "table");
			Objects.requireNonNull(column, "column");
			String[] parts = table.split("\\.", -1);
			if (parts.length > 2 || !java.util.Arrays.stream(parts).allMatch((p) -> IDENTIFIER.matcher(p).matches())
					|| !IDENTIFIER.matcher(column).matches()) {
				throw new IllegalArgumentException(
						"A reference names a plain table and column, was " + table + "." + column);
			}
			if (!"bigint".equals(type) && !"text".equals(type)) {
				throw new IllegalArgumentException("A reference's type is bigint or text, was " + type);
			}
		}

	}

}
