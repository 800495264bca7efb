package dev.offload.api.report;

import java.util.Map;
import java.util.Objects;

import dev.offload.model.ReportFormat;

/**
 * A report request that passed validation: a known type and format, and exactly the
 * type's parameters in their canonical form (dates as {@code yyyy-MM-dd}).
 *
 * @param type the report type
 * @param format the file format
 * @param parameters the parameters by name
 */
record ReportSpecification(String type, ReportFormat format, Map<String, String> parameters) {

	ReportSpecification {
		Objects.requireNonNull(type, "type");
		Objects.requireNonNull(format, "format");
		parameters = Map.copyOf(parameters);
	}

}
