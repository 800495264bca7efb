package dev.offload.api.batch;

import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /api/batches}: many reports of one type and format. Either
 * {@code items}, one parameter set per report, or {@code selector}, a way the report type
 * offers to pick its reports from the report data (such as every customer with orders in
 * the period); {@code parameters} are shared by every report of the batch.
 *
 * @param type the report type, for example {@code CUSTOMER_STATEMENT}
 * @param format the file format, for example {@code PDF}
 * @param parameters the parameters every report of the batch shares
 * @param items one parameter set per report, merged over {@code parameters}
 * @param selector the name of one of the type's selectors
 */
record CreateBatchRequest(String type, String format, Map<String, String> parameters, List<Map<String, String>> items,
		String selector) {

}
