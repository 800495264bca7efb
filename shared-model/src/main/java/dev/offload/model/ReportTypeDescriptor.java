package dev.offload.model;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One entry of the report catalogue, as a worker offers it: a report worker registers the
 * descriptor of every report type it can build in PostgreSQL at start-up (table
 * {@code report_type_offers}, as JSON), and api-service serves the catalogue and
 * validates requests against it. A new report type therefore needs no change to this
 * module or api-service.
 *
 * @param name the name requests use, upper case with underscores, for example
 * {@code SALES_SUMMARY}
 * @param version the version of the type's parameters and layout; raised when either
 * changes, so a rolling upgrade can tell old workers from new ones
 * @param title a short human-readable name
 * @param description what the report contains
 * @param parameters the parameters it takes, in display order
 * @param formats the file formats it can be written in
 * @param hidden whether the public catalogue leaves it out (for example {@code NO_OP},
 * which exists for benchmarks); a hidden type can still be requested
 * @param selectors the ways a batch can pick this type's reports from the report data
 */
public record ReportTypeDescriptor(String name, int version, String title, String description,
		List<ReportParameter> parameters, List<ReportFormat> formats, boolean hidden, List<BatchSelector> selectors) {

	private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

	/** Checks the name, the parameters' names and that there is at least one format. */
	public ReportTypeDescriptor {
		Objects.requireNonNull(name, "name");
		if (!NAME.matcher(name).matches()) {
			throw new IllegalArgumentException(
					"A report type's name is 1 to 64 upper-case letters, digits and underscores, was '" + name + "'");
		}
		if (version < 1) {
			throw new IllegalArgumentException("A report type's version starts at 1, was " + version);
		}
		Objects.requireNonNull(title, "title");
		description = (description != null) ? description : "";
		parameters = (parameters != null) ? List.copyOf(parameters) : List.of();
		formats = List.copyOf(formats);
		if (formats.isEmpty()) {
			throw new IllegalArgumentException("Report type " + name + " offers no format");
		}
		selectors = (selectors != null) ? List.copyOf(selectors) : List.of();
		for (BatchSelector selector : selectors) {
			if (parameters.stream().noneMatch((p) -> p.name().equals(selector.parameter()))) {
				throw new IllegalArgumentException("Report type " + name + ": selector " + selector.name()
						+ " fills the unknown parameter " + selector.parameter());
			}
		}
		long distinct = parameters.stream().map(ReportParameter::name).distinct().count();
		if (distinct != parameters.size()) {
			throw new IllegalArgumentException("Report type " + name + " declares a parameter twice");
		}
	}

	/**
	 * The parameter of this name.
	 * @param parameterName the name
	 * @return the parameter, or {@code null} if this type has none of that name
	 */
	/**
	 * A type that no batch selector picks reports of.
	 * @param name the type's name
	 * @param version its version
	 * @param title its title
	 * @param description what it shows
	 * @param parameters its parameters
	 * @param formats the formats it is written in
	 * @param hidden whether the catalogue hides it
	 */
	public ReportTypeDescriptor(String name, int version, String title, String description,
			List<ReportParameter> parameters, List<ReportFormat> formats, boolean hidden) {
		this(name, version, title, description, parameters, formats, hidden, List.of());
	}

	/**
	 * The selector of that name.
	 * @param selectorName the name
	 * @return the selector, or {@code null} if the type has none of that name
	 */
	public BatchSelector selector(String selectorName) {
		return this.selectors.stream().filter((s) -> s.name().equals(selectorName)).findFirst().orElse(null);
	}

	public ReportParameter parameter(String parameterName) {
		return this.parameters.stream().filter((p) -> p.name().equals(parameterName)).findFirst().orElse(null);
	}

}
