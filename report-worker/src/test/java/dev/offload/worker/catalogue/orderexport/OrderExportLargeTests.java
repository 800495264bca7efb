package dev.offload.worker.catalogue.orderexport;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import dev.offload.worker.catalogue.SeededSales;
import dev.offload.worker.sales.SalesSeeder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order export of three million lines in a worker-sized heap: it is built in a JVM of
 * its own started with {@code -Xmx256m}, which would fail with an
 * {@link OutOfMemoryError} if the export kept its rows (three million rows take about a
 * gigabyte), and what it wrote is compared with PostgreSQL's count and sum. Seeding a
 * million orders takes about a minute; {@code -DexcludedGroups=large} leaves it out.
 */
@Tag("large")
class OrderExportLargeTests {

	/** About three lines per order. */
	private static final int ORDERS = 1_000_000;

	private static SeededSales sales;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(ORDERS);
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void threeMillionLinesStreamThroughA256MegabyteHeap() throws IOException, InterruptedException {
		Map<String, Object> expected = sales.jdbc().sql("""
				SELECT count(*) AS lines, sum(l.quantity * l.unit_price) AS revenue
				  FROM sales.order_lines l JOIN sales.orders o ON o.id = l.order_id
				""").query().singleRow();
		assertThat((Long) expected.get("lines")).isGreaterThanOrEqualTo(2_900_000);

		Map<String, String> printed = runWithSmallHeap(SalesSeeder.FIRST_DAY.toString(),
				SalesSeeder.LAST_DAY.toString());

		assertThat(Long.parseLong(printed.get("maxHeap"))).as("peak heap used %s", printed.get("peakHeap"))
			.isLessThanOrEqualTo(256L * 1024 * 1024);
		assertThat(Long.parseLong(printed.get("rows"))).isEqualTo(expected.get("lines"));
		assertThat(new BigDecimal(printed.get("amount"))).isEqualByComparingTo((BigDecimal) expected.get("revenue"));
	}

	private static Map<String, String> runWithSmallHeap(String from, String to)
			throws IOException, InterruptedException {
		// Surefire puts the test class path in a manifest-only jar; this property has it
		// in full.
		String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
		Path java = Path.of(System.getProperty("java.home"), "bin", "java");
		Process process = new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "-XX:+UseSerialGC", "-cp", classPath,
				OrderExportInSmallHeap.class.getName(), sales.database().jdbcUrl(), sales.database().username(),
				Objects.toString(sales.database().password(), ""), from, to))
			.redirectErrorStream(true)
			.start();
		byte[] output;
		try {
			output = process.getInputStream().readAllBytes();
			assertThat(process.waitFor(Duration.ofMinutes(10).toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			process.destroyForcibly();
		}
		String text = new String(output, StandardCharsets.UTF_8);
		assertThat(process.exitValue()).as(text).isZero();
		Map<String, String> printed = new HashMap<>();
		text.lines()
			.filter((line) -> line.matches("[a-zA-Z]+=\\S+"))
			.forEach(
					(line) -> printed.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1)));
		return printed;
	}

}
