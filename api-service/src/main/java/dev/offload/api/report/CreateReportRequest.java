package dev.offload.api.report;

import java.util.Map;

/**
 * The body of {@code POST /api/reports}. Type and format are plain strings so that an
 * unknown value is answered by {@link ReportRequestValidator} with the list of valid
 * ones. The owner is never part of the body; it is the authenticated caller.
 *
 * @param type the report type, for example {@code SALES_SUMMARY}
 * @param format the file format, for example {@code CSV}
 * @param parameters the type's parameters by name; may be omitted for a type without any
 */
record CreateReportRequest(String type, String format, Map<String, String> parameters) {

}
