package dev.offload.api.report;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import dev.offload.api.ApiProperties;
import dev.offload.api.error.InvalidField;
import dev.offload.api.error.InvalidRequestException;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Checks a report request against the catalogue the workers offer
 * ({@link ReportCatalogue}) and the configured limits before anything is stored: the
 * type, a format the type offers, and each parameter as the type declares it (dates,
 * choices, bounded integers, references to rows that exist, defaults for optional ones
 * left out). Every problem found is reported at once, each naming its field, so a client
 * can fix a request in one go.
 */
@Component
class ReportRequestValidator {

	/** Longer than any valid key; keeps arbitrary blobs out of the database. */
	private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

	/** Longer than any valid parameter value. */
	private static final int MAX_VALUE_LENGTH = 200;

	private final int maxRangeYears;

	private final ReportCatalogue catalogue;

	private final JdbcClient jdbc;

	ReportRequestValidator(ApiProperties properties, ReportCatalogue catalogue, JdbcClient jdbc) {
		this.maxRangeYears = properties.limits().maxRangeYears();
		this.catalogue = catalogue;
		this.jdbc = jdbc;
	}

	/**
	 * Validates a request.
	 * @param request the request body
	 * @return the request in canonical form, defaults included
	 * @throws InvalidRequestException naming every invalid field
	 */
	ReportSpecification validate(CreateReportRequest request) {
		List<InvalidField> errors = new ArrayList<>();
		ReportTypeDescriptor type = type(request.type(), errors);
		ReportFormat format = parseEnum("format", request.format(), ReportFormat.class, errors);
		if (type != null && format != null && !type.formats().contains(format)) {
			errors.add(new InvalidField("format", type.name() + " reports cannot be written as " + format + "; one of "
					+ type.formats().stream().map(Enum::name).collect(Collectors.joining(", "))));
		}
		Map<String, String> parameters = (type != null) ? parameters(type, request.parameters(), errors) : Map.of();
		if (!errors.isEmpty()) {
			throw new InvalidRequestException(errors);
		}
		return new ReportSpecification(type.name(), format, parameters);
	}

	/**
	 * Validates an {@code Idempotency-Key} header.
	 * @param key the header's value, or {@code null} if it was not sent
	 * @return the key, or {@code null}
	 * @throws InvalidRequestException if the key is blank, too long or not printable
	 * ASCII
	 */
	String validateIdempotencyKey(String key) {
		if (key == null) {
			return null;
		}
		if (key.isBlank() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH
				|| !key.chars().allMatch((c) -> c > 32 && c < 127)) {
			throw new InvalidRequestException(List.of(new InvalidField(ReportController.IDEMPOTENCY_KEY_HEADER,
					"must be 1 to " + MAX_IDEMPOTENCY_KEY_LENGTH + " printable ASCII characters without spaces")));
		}
		return key;
	}

	private ReportTypeDescriptor type(String value, List<InvalidField> errors) {
		if (value == null || value.isBlank()) {
			errors.add(new InvalidField("type", "is required; one of " + offered()));
			return null;
		}
		String name = value.strip().toUpperCase(Locale.ROOT);
		Optional<ReportTypeDescriptor> type = this.catalogue.find(name);
		if (type.isPresent()) {
			return type.get();
		}
		errors.add(new InvalidField("type",
				this.catalogue.partlyOffered(name)
					.map((rollout) -> "'" + value + "' " + rollout + "; try again once the upgrade is done")
					.orElse("'" + value + "' is not offered by any worker; one of " + offered())));
		return null;
	}

	/** The names of the types a client may ask for, for an error message. */
	private String offered() {
		return String.join(", ",
				this.catalogue.offered()
					.values()
					.stream()
					.filter((type) -> !type.hidden())
					.map(ReportTypeDescriptor::name)
					.toList());
	}

	private Map<String, String> parameters(ReportTypeDescriptor type, Map<String, String> given,
			List<InvalidField> errors) {
		Map<String, String> values = (given != null) ? given : Map.of();
		for (String name : values.keySet()) {
			if (type.parameter(name) == null) {
				String expected = type.parameters().isEmpty() ? type.name() + " takes no parameters"
						: "expected " + type.parameters()
							.stream()
							.map(ReportParameter::name)
							.sorted()
							.collect(Collectors.joining(", "));
				errors.add(new InvalidField("parameters." + name,
						"is not a parameter of " + type.name() + "; " + expected));
			}
		}
		Map<String, String> canonical = new LinkedHashMap<>();
		Map<String, LocalDate> dates = new LinkedHashMap<>();
		for (ReportParameter parameter : type.parameters()) {
			String field = "parameters." + parameter.name();
			String value = values.get(parameter.name());
			if (value == null || value.isBlank()) {
				if (parameter.required()) {
					errors.add(new InvalidField(field, "is required: " + parameter.description()));
				}
				else if (parameter.defaultValue() != null) {
					canonical.put(parameter.name(), parameter.defaultValue());
					if (parameter.kind() == ReportParameter.Kind.DATE) {
						dates.put(parameter.name(), LocalDate.parse(parameter.defaultValue()));
					}
				}
				continue;
			}
			value = value.strip();
			if (value.length() > MAX_VALUE_LENGTH) {
				errors.add(new InvalidField(field, "is longer than " + MAX_VALUE_LENGTH + " characters"));
				continue;
			}
			String checked = check(parameter, value, field, errors);
			if (checked != null) {
				canonical.put(parameter.name(), checked);
				if (parameter.kind() == ReportParameter.Kind.DATE) {
					dates.put(parameter.name(), LocalDate.parse(checked));
				}
			}
		}
		for (ReportParameter parameter : type.parameters()) {
			if (parameter.notBefore() != null) {
				checkRange(parameter.notBefore(), dates.get(parameter.notBefore()), parameter.name(),
						dates.get(parameter.name()), errors);
			}
		}
		return canonical;
	}

	/** The value in canonical form, or {@code null} (and an error) if it is invalid. */
	private String check(ReportParameter parameter, String value, String field, List<InvalidField> errors) {
		switch (parameter.kind()) {
			case DATE -> {
				try {
					return LocalDate.parse(value).toString();
				}
				catch (DateTimeParseException ex) {
					errors.add(new InvalidField(field, "'" + value + "' is not an ISO-8601 date (yyyy-MM-dd)"));
					return null;
				}
			}
			case CHOICE -> {
				if (parameter.choices().contains(value)) {
					return value;
				}
				errors.add(new InvalidField(field,
						"'" + value + "' is not one of " + String.join(", ", parameter.choices())));
				return null;
			}
			case INTEGER -> {
				long number;
				try {
					number = Long.parseLong(value);
				}
				catch (NumberFormatException ex) {
					errors.add(new InvalidField(field, "'" + value + "' is not a whole number"));
					return null;
				}
				if ((parameter.min() != null && number < parameter.min())
						|| (parameter.max() != null && number > parameter.max())) {
					errors.add(new InvalidField(field,
							"must be between " + parameter.min() + " and " + parameter.max() + ", was " + number));
					return null;
				}
				return Long.toString(number);
			}
			case REFERENCE -> {
				return reference(parameter, value, field, errors);
			}
		}
		throw new IllegalStateException("Unknown kind " + parameter.kind());
	}

	/**
	 * A reference must name an existing row of the report data. The table and column come
	 * from the catalogue, whose descriptors only admit plain lower-case identifiers; they
	 * are quoted anyway. The value itself is a bind parameter.
	 */
	private String reference(ReportParameter parameter, String value, String field, List<InvalidField> errors) {
		ReportParameter.Reference reference = parameter.reference();
		if ("bigint".equals(reference.type())) {
			try {
				value = Long.toString(Long.parseLong(value));
			}
			catch (NumberFormatException ex) {
				errors.add(new InvalidField(field, "'" + value + "' is not a whole number"));
				return null;
			}
		}
		String table = java.util.Arrays.stream(reference.table().split("\\."))
			.map((part) -> "\"" + part + "\"")
			.collect(Collectors.joining("."));
		boolean exists = this.jdbc
			.sql("SELECT EXISTS (SELECT 1 FROM " + table + " WHERE \"" + reference.column() + "\" = CAST(:value AS "
					+ reference.type() + "))")
			.param("value", value)
			.query(Boolean.class)
			.single();
		if (!exists) {
			errors.add(new InvalidField(field,
					"no " + reference.table() + " row has " + reference.column() + " " + value));
			return null;
		}
		return value;
	}

	private void checkRange(String startName, LocalDate from, String endName, LocalDate to, List<InvalidField> errors) {
		if (from == null || to == null) {
			return;
		}
		if (from.isAfter(to)) {
			errors.add(new InvalidField("parameters." + startName,
					"must not be after parameters." + endName + " (" + from + " is after " + to + ")"));
		}
		else if (from.plusYears(this.maxRangeYears).isBefore(to)) {
			errors.add(new InvalidField("parameters." + endName, "the range " + from + " to " + to
					+ " is longer than the maximum of " + this.maxRangeYears + " years"));
		}
	}

	private static <E extends Enum<E>> E parseEnum(String field, String value, Class<E> type,
			List<InvalidField> errors) {
		String allowed = Arrays.stream(type.getEnumConstants()).map(Enum::name).collect(Collectors.joining(", "));
		if (value == null || value.isBlank()) {
			errors.add(new InvalidField(field, "is required; one of " + allowed));
			return null;
		}
		try {
			return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
		}
		catch (IllegalArgumentException ex) {
			errors.add(new InvalidField(field, "'" + value + "' is unknown; one of " + allowed));
			return null;
		}
	}

}
