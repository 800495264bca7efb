package dev.offload.worker.catalogue;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The ratios reports show as percentages ({@code ColumnType.PERCENT}: 0.125 is 12.5%),
 * computed one way everywhere: exact decimals, rounded half up to {@value #SCALE} places
 * (0.01%), as PostgreSQL's {@code round(numeric, 4)} does.
 */
public final class Ratios {

	/** Decimal places of a ratio. */
	public static final int SCALE = 4;

	private Ratios() {
	}

	/**
	 * The relative change from a previous value to a current one.
	 * @param current the current value
	 * @param previous the value to compare with
	 * @return {@code (current - previous) / previous}, or {@code null} when there is
	 * nothing to compare with (a previous value of zero)
	 */
	public static BigDecimal change(BigDecimal current, BigDecimal previous) {
		if (previous == null || previous.signum() == 0) {
			return null;
		}
		return current.subtract(previous).divide(previous, SCALE, RoundingMode.HALF_UP);
	}

	/**
	 * The relative change of a count.
	 * @param current the current count
	 * @param previous the count to compare with
	 * @return the change, or {@code null} if {@code previous} is zero
	 */
	public static BigDecimal change(long current, long previous) {
		return change(BigDecimal.valueOf(current), BigDecimal.valueOf(previous));
	}

	/**
	 * A part's share of a whole.
	 * @param part the part
	 * @param whole the whole
	 * @return {@code part / whole}, or {@code null} if the whole is zero
	 */
	public static BigDecimal share(BigDecimal part, BigDecimal whole) {
		if (whole.signum() == 0) {
			return null;
		}
		return part.divide(whole, SCALE, RoundingMode.HALF_UP);
	}

}
