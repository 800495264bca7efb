package dev.offload.worker.render;

import java.util.Objects;

/**
 * One headline figure of a document.
 *
 * @param label what it is, for example {@code Revenue}
 * @param value its value, of the kind {@code type} says (as for a table cell); may be
 * {@code null} when it cannot be computed (a change against an empty period)
 * @param type how it is formatted
 */
public record KeyFigure(String label, Object value, ColumnType type) {

	public KeyFigure {
		Objects.requireNonNull(label, "label");
		Objects.requireNonNull(type, "type");
	}

}
