package dev.offload.worker.catalogue;

import java.time.LocalDate;
import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.offload.model.ReportParameter;

/**
 * The date range a report covers, both ends included, as its {@code from} and {@code to}
 * parameters give it.
 *
 * @param from the first day
 * @param to the last day, not before {@code from}
 */
public record Period(LocalDate from, LocalDate to) {

	/** The name of the parameter of the first day. */
	public static final String FROM = "from";

	/** The name of the parameter of the last day. */
	public static final String TO = "to";

	public Period {
		Objects.requireNonNull(from, "from");
		Objects.requireNonNull(to, "to");
		if (to.isBefore(from)) {
			throw new IllegalArgumentException("A period ends on or after its start: " + from + " to " + to);
		}
	}

	/**
	 * The two parameters of a date range, {@value #FROM} and {@value #TO}, for a type's
	 * descriptor.
	 * @param what what the dates select, for the descriptions (for example
	 * {@code "order date"})
	 * @return the parameters, start first
	 */
	public static List<ReportParameter> parameters(String what) {
		return List.of(ReportParameter.date(FROM, "First " + what + " included (ISO-8601, e.g. 2024-01-01)."),
				ReportParameter.dateNotBefore(TO, "Last " + what + " included (ISO-8601, e.g. 2024-12-31).", FROM));
	}

	/**
	 * The period of a report's {@value #FROM} and {@value #TO} parameters.
	 * @param parameters the parameters (checked: {@code to} does not precede
	 * {@code from})
	 * @return the period
	 */
	public static Period of(ReportParameters parameters) {
		return new Period(parameters.date(FROM), parameters.date(TO));
	}

	/**
	 * How many days the period has.
	 * @return the days, at least 1
	 */
	public long days() {
		return ChronoUnit.DAYS.between(this.from, this.to) + 1;
	}

	/**
	 * The period of as many days that ends the day before this one starts, to compare
	 * with: March 2024 (31 days) compares with 2024-01-30 to 2024-02-29, and 2024-01-01
	 * to 2024-12-31 (366 days) with 2022-12-31 to 2023-12-31. Counting days gives every
	 * range one exact answer, which calendar months would not.
	 * @return the previous period
	 */
	public Period previous() {
		return new Period(this.from.minusDays(days()), this.from.minusDays(1));
	}

	/**
	 * The months the period touches, in order.
	 * @return the months, the first and last possibly partial
	 */
	public List<YearMonth> months() {
		List<YearMonth> months = new ArrayList<>();
		for (YearMonth month = YearMonth.from(this.from); !month.isAfter(YearMonth.from(this.to)); month = month
			.plusMonths(1)) {
			months.add(month);
		}
		return months;
	}

	@Override
	public String toString() {
		return this.from + " to " + this.to;
	}

}
