package dev.offload.worker.render;

import java.util.ArrayList;
import java.util.List;

/**
 * A chart written as its data, for formats that do not draw: a category column and one
 * amount column per series.
 */
final class ChartData {

	private ChartData() {
	}

	static void writeAsTable(DocumentWriter document, Chart chart) {
		List<Column> columns = new ArrayList<>();
		columns.add(Column.text(""));
		chart.series().forEach((series) -> columns.add(Column.amount(series.name())));
		try (TableWriter table = document.table(chart.title(), columns)) {
			for (int i = 0; i < chart.categories().size(); i++) {
				Object[] row = new Object[columns.size()];
				row[0] = chart.categories().get(i);
				for (int s = 0; s < chart.series().size(); s++) {
					row[s + 1] = chart.series().get(s).values().get(i);
				}
				table.row(row);
			}
		}
	}

}
