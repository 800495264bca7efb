package dev.offload.api.report;

import java.util.Arrays;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirements;
import io.swagger.v3.oas.annotations.tags.Tag;

import dev.offload.model.ReportType;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalogue of report types, their parameters and formats; public, so a client can
 * build its form before the user signs in.
 */
@RestController
@Tag(name = "Report types", description = "What can be requested")
class ReportTypeController {

	private static final List<ReportTypeView> CATALOGUE = Arrays.stream(ReportType.values())
		.map(ReportTypeView::of)
		.toList();

	@Operation(summary = "The catalogue of report types, their parameters and formats")
	// Public: no credentials needed.
	@SecurityRequirements
	@GetMapping("/api/report-types")
	List<ReportTypeView> reportTypes() {
		return CATALOGUE;
	}

}
