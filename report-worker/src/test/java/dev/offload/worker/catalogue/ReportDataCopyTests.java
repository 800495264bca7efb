package dev.offload.worker.catalogue;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.offload.worker.sales.SalesLines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * {@link ReportData#copy}: the rows of a query through PostgreSQL's COPY, in the report's
 * snapshot, the same as a cursor gives them.
 */
class ReportDataCopyTests {

	private static SeededSales sales;

	private static ReportData data;

	@BeforeAll
	static void seed() {
		sales = SeededSales.create(300);
		data = sales.reportData();
	}

	@AfterAll
	static void drop() {
		if (sales != null) {
			sales.close();
		}
	}

	@Test
	void awkwardValuesComeBackAsAQueryReturnsThem() {
		List<List<Object>> rows = new ArrayList<>();
		data.read(ReportProgress.NONE, (jdbc) -> data.copy("""
				SELECT E'tab\\there, line\\nbreak, back\\\\slash, \\r', NULL::text, 'Zoë ☕', -42::bigint,
				       DATE '2024-02-29', 12.50::numeric, 7::integer, ''
				""", Map.of(), (row) -> rows.add(List.of(row.text(0), String.valueOf(row.text(1)), row.text(2),
				row.longValue(3), row.date(4), row.decimal(5), row.intValue(6), row.text(7)))));
		assertThat(rows).containsExactly(List.of("tab\there, line\nbreak, back\\slash, \r", "null", "Zoë ☕", -42L,
				LocalDate.of(2024, 2, 29), new BigDecimal("12.50"), 7, ""));
	}

	@Test
	void theLinesOfACopyAreTheLinesOfTheCursorInTheSameOrder() {
		SalesLines lines = SalesLines.between(LocalDate.of(2021, 1, 1), LocalDate.of(2025, 12, 31));
		List<String> byCursor = new ArrayList<>();
		List<String> byCopy = new ArrayList<>();
		data.read(ReportProgress.NONE, (jdbc) -> {
			lines.each(jdbc, (line) -> byCursor.add(line.toString()));
			data.copy(lines.eachOnSettings(), lines.settings(),
					(row) -> byCopy.add(new SalesLines.SalesLine(row.longValue(0), row.date(1), row.longValue(2),
							row.text(3), row.text(4), row.text(5), row.text(6), row.text(7), row.intValue(8),
							row.decimal(9), row.decimal(10))
						.toString()));
		});
		assertThat(byCursor).isNotEmpty();
		assertThat(byCopy).isEqualTo(byCursor);
	}

	@Test
	void filterValuesAreBoundSettingsNeverSql() {
		String region = sales.jdbc()
			.sql("SELECT name FROM sales.regions ORDER BY id LIMIT 1")
			.query(String.class)
			.single();
		SalesLines lines = SalesLines.between(LocalDate.of(2021, 1, 1), LocalDate.of(2025, 12, 31));
		for (String hostile : List.of("x' OR 'a' = 'a", "x\\' OR true --", "O'Brien\\", region + "'",
				"') OR true --")) {
			List<Long> found = new ArrayList<>();
			data.read(ReportProgress.NONE, (jdbc) -> data.copy(lines.inRegion(hostile).eachOnSettings(),
					lines.inRegion(hostile).settings(), (row) -> found.add(row.longValue(0))));
			assertThat(found).as(hostile).isEmpty();
		}
		List<Long> byCopy = new ArrayList<>();
		List<Long> byCursor = new ArrayList<>();
		data.read(ReportProgress.NONE, (jdbc) -> {
			data.copy(lines.inRegion(region).eachOnSettings(), lines.inRegion(region).settings(),
					(row) -> byCopy.add(row.longValue(0)));
			lines.inRegion(region).each(jdbc, (line) -> byCursor.add(line.orderId()));
		});
		assertThat(byCopy).isNotEmpty().isEqualTo(byCursor);
	}

	@Test
	void aCopyOutsideASnapshotIsRefused() {
		assertThatIllegalStateException().isThrownBy(() -> data.copy("SELECT 1", Map.of(), (row) -> {
		}));
	}

	@Test
	void aFailingQueryIsADataAccessException() {
		assertThatExceptionOfType(DataAccessException.class)
			.isThrownBy(() -> data.read(ReportProgress.NONE, (jdbc) -> data.copy("SELECT 1 / 0", Map.of(), (row) -> {
			})));
	}

	@Test
	void aCopyStoppedEarlyLeavesTheSnapshotUsable() {
		List<Long> after = new ArrayList<>();
		data.read(ReportProgress.NONE, (jdbc) -> {
			assertThatIllegalArgumentException()
				.isThrownBy(() -> data.copy("SELECT generate_series(1, 1000000)", Map.of(), (row) -> {
					if (row.longValue(0) == 10) {
						throw new IllegalArgumentException("stop");
					}
				}));
			data.copy("SELECT generate_series(1, 3)", Map.of(), (row) -> after.add(row.longValue(0)));
			after.add(jdbc.sql("SELECT 4").query(Long.class).single());
		});
		assertThat(after).containsExactly(1L, 2L, 3L, 4L);
	}

}
