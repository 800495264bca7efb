package dev.offload.api.report;

import java.util.Arrays;
import java.util.List;

import dev.offload.model.ReportType;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalogue of report types, their parameters and formats; public, so a client can
 * build its form before the user signs in.
 */
@RestController
class ReportTypeController {

	private static final List<ReportTypeView> CATALOGUE = Arrays.stream(ReportType.values())
		.map(ReportTypeView::of)
		.toList();

	@GetMapping("/api/report-types")
	List<ReportTypeView> reportTypes() {
		return CATALOGUE;
	}

}
