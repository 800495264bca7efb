package dev.offload.worker.generation;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Collectors;

import dev.offload.model.ReportFormat;

import org.springframework.stereotype.Component;

/**
 * Writes a sales summary as CSV (RFC 4180: comma-separated, CRLF line ends, fields quoted
 * when they hold a comma, a quote or a line break; UTF-8). The file holds three sections,
 * each a title line, a header line and rows, separated by an empty line:
 *
 * <pre>
 * Sales summary 2024-01-01 to 2024-12-31
 *
 * Revenue by month and region
 * month,region,orders,revenue
 * 2024-01,Asia Pacific,154,61234.50
 *
 * Top products
 * sku,name,quantity,revenue
 * SKU-00042,Premium Kettle,812,40518.80
 *
 * Totals
 * total,orders,lines,quantity,revenue
 * TOTAL,2000,6012,21043,1234567.89
 * </pre>
 *
 * Amounts are plain decimals with two places; the {@code TOTAL} line is the last line.
 * <p>
 * Text taken from the data (regions, SKUs, product names) is never read as a formula by a
 * spreadsheet: a value starting with {@code =}, {@code +}, {@code -}, {@code @}, a tab or
 * a carriage return gets a leading {@code '} (OWASP's advice on CSV injection). Numbers
 * are written by this class and are left as they are.
 */
@Component
class CsvReportWriter implements SalesSummaryWriter {

	static final String LINE_END = "\r\n";

	@Override
	public ReportFormat format() {
		return ReportFormat.CSV;
	}

	@Override
	public byte[] write(SalesSummary summary) {
		StringBuilder csv = new StringBuilder();
		line(csv, summary.title());
		csv.append(LINE_END);

		line(csv, "Revenue by month and region");
		line(csv, "month", "region", "orders", "revenue");
		for (SalesSummary.MonthRegion row : summary.byMonthAndRegion()) {
			line(csv, row.month().toString(), text(row.region()), Long.toString(row.orders()), amount(row.revenue()));
		}
		csv.append(LINE_END);

		line(csv, "Top products");
		line(csv, "sku", "name", "quantity", "revenue");
		for (SalesSummary.Product product : summary.topProducts()) {
			line(csv, text(product.sku()), text(product.name()), Long.toString(product.quantity()),
					amount(product.revenue()));
		}
		csv.append(LINE_END);

		SalesSummary.Totals totals = summary.totals();
		line(csv, "Totals");
		line(csv, "total", "orders", "lines", "quantity", "revenue");
		line(csv, "TOTAL", Long.toString(totals.orders()), Long.toString(totals.lines()),
				Long.toString(totals.quantity()), amount(totals.revenue()));
		return csv.toString().getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * One CSV record, without its line end.
	 * @param fields the fields
	 * @return the fields, quoted where needed and joined by commas
	 */
	static String row(String... fields) {
		return Arrays.stream(fields).map(CsvReportWriter::field).collect(Collectors.joining(","));
	}

	/**
	 * A money amount as a plain decimal with two places, as in {@code 1234.50}.
	 * @param amount the amount
	 * @return the text
	 */
	static String amount(BigDecimal amount) {
		return amount.setScale(2, RoundingMode.HALF_UP).toPlainString();
	}

	/**
	 * A text value from the data, neutralised so that a spreadsheet shows it as text
	 * instead of evaluating it as a formula.
	 * @param value the value
	 * @return the value, with a leading {@code '} if it starts with a formula character
	 */
	static String text(String value) {
		if (value == null || value.isEmpty()) {
			return value;
		}
		char first = value.charAt(0);
		boolean formula = first == '=' || first == '+' || first == '-' || first == '@' || first == '\t'
				|| first == '\r';
		return formula ? "'" + value : value;
	}

	private static void line(StringBuilder csv, String... fields) {
		csv.append(row(fields)).append(LINE_END);
	}

	private static String field(String value) {
		if (value == null) {
			return "";
		}
		boolean quote = value.indexOf(',') >= 0 || value.indexOf('"') >= 0 || value.indexOf('\r') >= 0
				|| value.indexOf('\n') >= 0;
		return quote ? '"' + value.replace("\"", "\"\"") + '"' : value;
	}

}
