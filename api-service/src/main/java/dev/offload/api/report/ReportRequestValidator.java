package dev.offload.api.report;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import dev.offload.api.ApiProperties;
import dev.offload.api.error.InvalidField;
import dev.offload.api.error.InvalidRequestException;
import dev.offload.model.ReportFormat;
import dev.offload.model.ReportType;
import dev.offload.model.ReportType.ReportParameter;

import org.springframework.stereotype.Component;

/**
 * Checks a report request against the catalogue ({@link ReportType}) and the configured
 * limits before anything is stored. Every problem found is reported at once, each naming
 * its field, so a client can fix a request in one go.
 */
@Component
class ReportRequestValidator {

	/** The parameter pair that makes a type cover a date range. */
	private static final String FROM = "from";

	private static final String TO = "to";

	/** Longer than any valid key; keeps arbitrary blobs out of the database. */
	private static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

	private final int maxRangeYears;

	ReportRequestValidator(ApiProperties properties) {
		this.maxRangeYears = properties.limits().maxRangeYears();
	}

	/**
	 * Validates a request.
	 * @param request the request body
	 * @return the request in canonical form
	 * @throws InvalidRequestException naming every invalid field
	 */
	ReportSpecification validate(CreateReportRequest request) {
		List<InvalidField> errors = new ArrayList<>();
		ReportType type = parseEnum("type", request.type(), ReportType.class, errors);
		ReportFormat format = parseEnum("format", request.format(), ReportFormat.class, errors);
		Map<String, String> parameters = (type != null) ? parameters(type, request.parameters(), errors) : Map.of();
		if (!errors.isEmpty()) {
			throw new InvalidRequestException(errors);
		}
		return new ReportSpecification(type, format, parameters);
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

	private Map<String, String> parameters(ReportType type, Map<String, String> given, List<InvalidField> errors) {
		Map<String, String> values = (given != null) ? given : Map.of();
		Map<String, ReportParameter> declared = type.parameters()
			.stream()
			.collect(Collectors.toMap(ReportParameter::name, (parameter) -> parameter));
		for (String name : values.keySet()) {
			if (!declared.containsKey(name)) {
				String expected = declared.isEmpty() ? type.name() + " takes no parameters"
						: "expected " + String.join(", ", declared.keySet().stream().sorted().toList());
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
				continue;
			}
			switch (parameter.kind()) {
				case DATE -> {
					try {
						LocalDate date = LocalDate.parse(value.strip());
						dates.put(parameter.name(), date);
						canonical.put(parameter.name(), date.toString());
					}
					catch (DateTimeParseException ex) {
						errors.add(new InvalidField(field, "'" + value + "' is not an ISO-8601 date (yyyy-MM-dd)"));
					}
				}
			}
		}
		checkRange(dates.get(FROM), dates.get(TO), errors);
		return canonical;
	}

	private void checkRange(LocalDate from, LocalDate to, List<InvalidField> errors) {
		if (from == null || to == null) {
			return;
		}
		if (from.isAfter(to)) {
			errors.add(new InvalidField("parameters." + FROM,
					"must not be after parameters." + TO + " (" + from + " is after " + to + ")"));
		}
		else if (from.plusYears(this.maxRangeYears).isBefore(to)) {
			errors.add(new InvalidField("parameters." + TO, "the range " + from + " to " + to
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
