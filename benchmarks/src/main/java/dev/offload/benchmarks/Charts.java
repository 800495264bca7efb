package dev.offload.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The PNG charts of BENCHMARKS.md: grouped bars, Offload beside its reference.
 */
final class Charts {

	private Charts() {
	}

	/**
	 * Writes a grouped bar chart.
	 * @param bench where it goes and where it is listed
	 * @param file the file name, e.g. {@code figure-1-throughput.png}
	 * @param title the chart's title
	 * @param xTitle the categories' axis title
	 * @param yTitle the values' axis title
	 * @param categories the categories
	 * @param series each series' name and its value per category
	 */
	static void bars(Bench bench, String file, String title, String xTitle, String yTitle, List<String> categories,
			Map<String, List<Double>> series) {
		CategoryChart chart = new CategoryChartBuilder().width(800)
			.height(450)
			.title(title)
			.xAxisTitle(xTitle)
			.yAxisTitle(yTitle)
			.build();
		chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
		chart.getStyler().setLabelsVisible(true);
		chart.getStyler().setLabelsFontColorAutomaticEnabled(false);
		chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
		series.forEach((name, values) -> chart.addSeries(name, categories,
				values.stream().map((value) -> value.isNaN() ? 0.0 : value).toList()));
		try {
			Path png = bench.charts.resolve(file);
			BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
			bench.chartFiles.add(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
