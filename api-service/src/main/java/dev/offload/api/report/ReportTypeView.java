package dev.offload.api.report;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.offload.model.ReportFormat;
import dev.offload.model.ReportParameter;
import dev.offload.model.ReportTypeDescriptor;

/**
 * One entry of the report catalogue ({@code GET /api/report-types}), as the workers offer
 * it.
 *
 * @param name the name to request it by
 * @param version the version of its parameters and layout
 * @param title a short human-readable name
 * @param description what the report contains
 * @param parameters the parameters it takes
 * @param formats the file formats it can be written in
 * @param selectors the ways a batch can pick its reports from the report data
 */
record ReportTypeView(String name, int version, String title, String description, List<ParameterView> parameters,
		List<FormatView> formats, List<SelectorView> selectors) {

	static ReportTypeView of(ReportTypeDescriptor type) {
		List<ParameterView> parameters = type.parameters().stream().map(ParameterView::of).toList();
		List<FormatView> formats = type.formats().stream().map(FormatView::of).toList();
		List<SelectorView> selectors = type.selectors()
			.stream()
			.map((selector) -> new SelectorView(selector.name(), selector.description(), selector.parameter(),
					(selector.dateColumn() != null) ? List.of(selector.fromParameter(), selector.toParameter())
							: List.of()))
			.toList();
		return new ReportTypeView(type.name(), type.version(), type.title(), type.description(), parameters, formats,
				selectors);
	}

	/**
	 * A way a batch can pick this type's reports from the report data
	 * ({@code POST /api/batches} with {@code selector}).
	 *
	 * @param name the selector's name
	 * @param description what it picks
	 * @param fills the parameter each picked value fills, one report per value
	 * @param needs the parameters the batch must give for the selector to use
	 */
	record SelectorView(String name, String description, String fills, List<String> needs) {

	}

	/**
	 * A parameter of a report type.
	 *
	 * @param name the name used in requests
	 * @param kind the kind of value: {@code DATE} (ISO-8601, {@code yyyy-MM-dd}),
	 * {@code CHOICE} (one of {@code choices}), {@code INTEGER} (between {@code min} and
	 * {@code max}), {@code REFERENCE} (the id of an existing {@code reference})
	 * @param required whether a request must give it
	 * @param description what it means
	 * @param defaultValue what an optional parameter left out takes, if anything
	 * @param choices the allowed values of a {@code CHOICE}
	 * @param min the least value of an {@code INTEGER}
	 * @param max the greatest value of an {@code INTEGER}
	 * @param notBefore the date parameter this date must not precede
	 * @param reference what a {@code REFERENCE} names, for example {@code customers}
	 */
	@JsonInclude(JsonInclude.Include.NON_EMPTY)
	record ParameterView(String name, ReportParameter.Kind kind, boolean required, String description,
			String defaultValue, List<String> choices, Long min, Long max, String notBefore, String reference) {

		static ParameterView of(ReportParameter parameter) {
			String reference = (parameter.reference() != null)
					? parameter.reference().table().substring(parameter.reference().table().lastIndexOf('.') + 1)
					: null;
			return new ParameterView(parameter.name(), parameter.kind(), parameter.required(), parameter.description(),
					parameter.defaultValue(), parameter.choices(), parameter.min(), parameter.max(),
					parameter.notBefore(), reference);
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
