package dev.offload.worker.catalogue;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;

/**
 * A report's parameter values, read as the type's descriptor declares them: defaults
 * applied to optional parameters left out, values of the declared kind. The API has
 * validated them against the catalogue already; a task from elsewhere (an older API, a
 * hand-published message) is checked again here, and a bad value is a
 * {@link ReportParametersException}.
 */
public final class ReportParameters {

	private final ReportTypeDescriptor type;

	private final Map<String, String> values;

	private ReportParameters(ReportTypeDescriptor type, Map<String, String> values) {
		this.type = type;
		this.values = values;
	}

	/**
	 * Reads a task's parameters as a type declares them.
	 * @param type the type's descriptor
	 * @param given the values, by name, as strings
	 * @return the parameters
	 * @throws ReportParametersException if a required value is missing, a value is of the
	 * wrong kind, or a name is not a parameter of the type
	 */
	public static ReportParameters of(ReportTypeDescriptor type, Map<String, String> given) {
		Map<String, String> values = new HashMap<>();
		for (String name : given.keySet()) {
			if (type.parameter(name) == null) {
				throw new ReportParametersException("'" + name + "' is not a parameter of " + type.name());
			}
		}
		for (ReportParameter parameter : type.parameters()) {
			String value = given.get(parameter.name());
			if (value == null || value.isBlank()) {
				if (parameter.required()) {
					throw new ReportParametersException("Parameter '" + parameter.name() + "' is required");
				}
				value = parameter.defaultValue();
			}
			if (value != null) {
				values.put(parameter.name(), check(parameter, value.strip()));
			}
		}
		ReportParameters parameters = new ReportParameters(type, values);
		for (ReportParameter parameter : type.parameters()) {
			if (parameter.notBefore() != null && values.containsKey(parameter.name())
					&& values.containsKey(parameter.notBefore())) {
				LocalDate start = parameters.date(parameter.notBefore());
				LocalDate end = parameters.date(parameter.name());
				if (end.isBefore(start)) {
					throw new ReportParametersException("Parameter '" + parameter.notBefore() + "' (" + start
							+ ") is after '" + parameter.name() + "' (" + end + ")");
				}
			}
		}
		return parameters;
	}

	private static String check(ReportParameter parameter, String value) {
		switch (parameter.kind()) {
			case DATE -> parseDate(parameter.name(), value);
			case INTEGER -> {
				long number = parseLong(parameter.name(), value);
				if ((parameter.min() != null && number < parameter.min())
						|| (parameter.max() != null && number > parameter.max())) {
					throw new ReportParametersException("Parameter '" + parameter.name() + "' must be between "
							+ parameter.min() + " and " + parameter.max() + ", was " + number);
				}
			}
			case CHOICE -> {
				if (!parameter.choices().contains(value)) {
					throw new ReportParametersException("Parameter '" + parameter.name() + "' must be one of "
							+ String.join(", ", parameter.choices()) + ", was '" + value + "'");
				}
			}
			case REFERENCE -> {
				if ("bigint".equals(parameter.reference().type())) {
					parseLong(parameter.name(), value);
				}
			}
		}
		return value;
	}

	/**
	 * The type these parameters are for.
	 * @return its descriptor
	 */
	public ReportTypeDescriptor type() {
		return this.type;
	}

	/**
	 * A date parameter.
	 * @param name its name
	 * @return the date
	 * @throws IllegalStateException if it has no value (an optional parameter without a
	 * default)
	 */
	public LocalDate date(String name) {
		return parseDate(name, required(name));
	}

	/**
	 * A whole-number parameter.
	 * @param name its name
	 * @return the number
	 */
	public long integer(String name) {
		return parseLong(name, required(name));
	}

	/**
	 * A parameter as text (a choice, a reference).
	 * @param name its name
	 * @return the value
	 */
	public String text(String name) {
		return required(name);
	}

	/**
	 * An optional parameter's value, if it has one.
	 * @param name its name
	 * @return the value, or empty
	 */
	public Optional<String> optional(String name) {
		return Optional.ofNullable(this.values.get(name));
	}

	/**
	 * The values, defaults included.
	 * @return the values by name
	 */
	public Map<String, String> asMap() {
		return Map.copyOf(this.values);
	}

	private String required(String name) {
		String value = this.values.get(name);
		if (value == null) {
			throw new IllegalStateException("Parameter '" + name + "' of " + this.type.name() + " has no value");
		}
		return value;
	}

	private static LocalDate parseDate(String name, String value) {
		try {
			return LocalDate.parse(value);
		}
		catch (DateTimeParseException ex) {
			throw new ReportParametersException(
					"Parameter '" + name + "' must be an ISO-8601 date like 2024-01-31, was '" + value + "'", ex);
		}
	}

	private static long parseLong(String name, String value) {
		try {
			return Long.parseLong(value);
		}
		catch (NumberFormatException ex) {
			throw new ReportParametersException("Parameter '" + name + "' must be a whole number, was '" + value + "'",
					ex);
		}
	}

}
