package dev.offload.worker.catalogue;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.YearMonth;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Periods, ratios and file names, the pieces the report types share.
 */
class PeriodTests {

	@Test
	void previousPeriodHasAsManyDaysAndEndsTheDayBefore() {
		Period leapYear = new Period(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 12, 31));
		Period march = new Period(LocalDate.of(2024, 3, 1), LocalDate.of(2024, 3, 31));
		Period oneDay = new Period(LocalDate.of(2024, 3, 1), LocalDate.of(2024, 3, 1));

		assertThat(leapYear.previous()).isEqualTo(new Period(LocalDate.of(2022, 12, 31), LocalDate.of(2023, 12, 31)));
		assertThat(march.previous()).isEqualTo(new Period(LocalDate.of(2024, 1, 30), LocalDate.of(2024, 2, 29)));
		assertThat(oneDay.previous()).isEqualTo(new Period(LocalDate.of(2024, 2, 29), LocalDate.of(2024, 2, 29)));
		assertThat(march.previous().days()).isEqualTo(march.days()).isEqualTo(31);
	}

	@Test
	void monthsAreEveryMonthThePeriodTouches() {
		Period period = new Period(LocalDate.of(2023, 11, 15), LocalDate.of(2024, 2, 1));

		assertThat(period.months()).containsExactly(YearMonth.of(2023, 11), YearMonth.of(2023, 12),
				YearMonth.of(2024, 1), YearMonth.of(2024, 2));
	}

	@Test
	void aPeriodEndsOnOrAfterItsStart() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new Period(LocalDate.of(2024, 1, 2), LocalDate.of(2024, 1, 1)));
	}

	@Test
	void changesAreExactRatiosOrNullAgainstNothing() {
		assertThat(Ratios.change(new BigDecimal("150.00"), new BigDecimal("120.00"))).isEqualTo("0.2500");
		assertThat(Ratios.change(2, 3)).isEqualTo("-0.3333");
		assertThat(Ratios.change(1, 0)).isNull();
		assertThat(Ratios.change(new BigDecimal("1.00"), BigDecimal.ZERO)).isNull();
		assertThat(Ratios.share(new BigDecimal("1.00"), new BigDecimal("8.00"))).isEqualTo("0.1250");
		assertThat(Ratios.share(BigDecimal.ONE, BigDecimal.ZERO)).isNull();
	}

	@Test
	void fileNamesAreLowerCaseWordsJoinedByHyphens() {
		Period period = new Period(LocalDate.of(2024, 1, 1), LocalDate.of(2024, 12, 31));

		assertThat(FileNames.of("sales-summary", FileNames.of(period), "North America", null))
			.isEqualTo("sales-summary-2024-01-01-2024-12-31-north-america");
		assertThat(FileNames.of("x", "../Évil / name..")).isEqualTo("x-vil-name");
	}

}
