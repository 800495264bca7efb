package dev.offload.api.report;

import java.util.Arrays;
import java.util.List;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportType;
import dev.offload.model.ReportType.ReportParameter;

/**
 * One entry of the report catalogue ({@code GET /api/report-types}).
 *
 * @param name the name to request it by
 * @param title a short human-readable name
 * @param description what the report contains
 * @param parameters the parameters it takes
 * @param formats the file formats it can be written in
 */
record ReportTypeView(String name, String title, String description, List<ParameterView> parameters,
		List<FormatView> formats) {

	static ReportTypeView of(ReportType type) {
		List<ParameterView> parameters = type.parameters().stream().map(ParameterView::of).toList();
		List<FormatView> formats = Arrays.stream(ReportFormat.values()).map(FormatView::of).toList();
		return new ReportTypeView(type.name(), type.title(), type.description(), parameters, formats);
	}

	/**
	 * A parameter of a report type.
	 *
	 * @param name the name used in requests
	 * @param kind the kind of value, for example {@code DATE} (ISO-8601,
	 * {@code yyyy-MM-dd})
	 * @param required whether a request must give it
	 * @param description what it means
	 */
	record ParameterView(String name, ReportParameter.Kind kind, boolean required, String description) {

		static ParameterView of(ReportParameter parameter) {
			return new ParameterView(parameter.name(), parameter.kind(), parameter.required(), parameter.description());
		}

	}

	/**
	 * A file format.
	 *
	 * @param name the name to request it by
	 * @param contentType the media type of the file
	 */
	record FormatView(String name, String contentType) {

		static FormatView of(ReportFormat format) {
			return new FormatView(format.name(), format.contentType());
		}

	}

}
