package dev.offload.worker.render;

import java.util.Objects;

/**
 * A column of a table.
 *
 * @param name its header
 * @param type what its cells hold, which decides how they are formatted and aligned
 */
public record Column(String name, ColumnType type) {

	public Column {
		Objects.requireNonNull(name, "name");
		Objects.requireNonNull(type, "type");
	}

	public static Column text(String name) {
		return new Column(name, ColumnType.TEXT);
	}

	public static Column integer(String name) {
		return new Column(name, ColumnType.INTEGER);
	}

	public static Column amount(String name) {
		return new Column(name, ColumnType.AMOUNT);
	}

	public static Column date(String name) {
		return new Column(name, ColumnType.DATE);
	}

	public static Column percent(String name) {
		return new Column(name, ColumnType.PERCENT);
	}

}
