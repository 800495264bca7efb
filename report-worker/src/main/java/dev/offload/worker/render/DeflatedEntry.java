package dev.offload.worker.render;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.Collections;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.ZipEntry;

import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * A zip entry made of a head, a middle that is already raw deflate data (a
 * {@link BackgroundDeflater}'s file) and a tail, added without inflating or deflating the
 * middle again: the head is deflated ending with a sync flush, the tail with the final
 * block, and the three deflate streams follow one another as one (a sync flush ends on a
 * byte boundary and no part refers back into another). The entry's CRC-32 is the parts'
 * CRCs combined.
 */
final class DeflatedEntry {

	private DeflatedEntry() {
	}

	/**
	 * Adds the entry.
	 * @param zip the archive
	 * @param name the entry's name
	 * @param head the entry's first bytes
	 * @param middle the raw deflate data of the bytes after the head
	 * @param deflated what {@code middle} holds
	 * @param tail the entry's last bytes
	 * @throws IOException if the archive cannot be written or the middle read
	 */
	static void add(ZipArchiveOutputStream zip, String name, byte[] head, InputStream middle,
			BackgroundDeflater.Deflated deflated, byte[] tail) throws IOException {
		byte[] deflatedHead = deflate(head, false);
		byte[] deflatedTail = deflate(tail, true);
		ZipArchiveEntry entry = new ZipArchiveEntry(name);
		entry.setMethod(ZipEntry.DEFLATED);
		entry.setSize(head.length + deflated.size() + tail.length);
		entry.setCompressedSize(deflatedHead.length + deflated.deflatedSize() + deflatedTail.length);
		long crc = combineCrc(crc(head), deflated.crc(), deflated.size());
		entry.setCrc(combineCrc(crc, crc(tail), tail.length));
		zip.addRawArchiveEntry(entry, new SequenceInputStream(Collections.enumeration(
				List.of(new ByteArrayInputStream(deflatedHead), middle, new ByteArrayInputStream(deflatedTail)))));
	}

	/**
	 * The CRC-32 of two byte sequences one after the other, from the CRC-32 of each and
	 * the second's length, without the bytes: zlib's {@code crc32_combine}, which the JDK
	 * does not expose (the CRC as a polynomial over GF(2) is advanced by the second's
	 * length in zero bytes, by repeated squaring of the one-zero-bit operator).
	 * @param crc1 the first sequence's CRC-32
	 * @param crc2 the second sequence's CRC-32
	 * @param length2 the second sequence's length in bytes
	 * @return the CRC-32 of both
	 */
	static long combineCrc(long crc1, long crc2, long length2) {
		if (length2 <= 0) {
			return crc1;
		}
		long[] even = new long[32];
		long[] odd = new long[32];
		// The operator for one zero bit: the CRC-32 polynomial, reversed, then shifts.
		odd[0] = 0xEDB88320L;
		long row = 1;
		for (int n = 1; n < 32; n++) {
			odd[n] = row;
			row <<= 1;
		}
		square(even, odd); // two zero bits
		square(odd, even); // four zero bits
		long crc = crc1;
		long length = length2;
		// Each pass applies one bit of the length: first one zero byte, then two, four...
		do {
			square(even, odd);
			if ((length & 1) != 0) {
				crc = times(even, crc);
			}
			length >>>= 1;
			if (length == 0) {
				break;
			}
			square(odd, even);
			if ((length & 1) != 0) {
				crc = times(odd, crc);
			}
			length >>>= 1;
		}
		while (length != 0);
		return crc ^ crc2;
	}

	private static long times(long[] matrix, long vector) {
		long sum = 0;
		long rest = vector;
		for (int i = 0; rest != 0; i++, rest >>>= 1) {
			if ((rest & 1) != 0) {
				sum ^= matrix[i];
			}
		}
		return sum;
	}

	private static void square(long[] square, long[] matrix) {
		for (int n = 0; n < 32; n++) {
			square[n] = times(matrix, matrix[n]);
		}
	}

	private static long crc(byte[] bytes) {
		CRC32 crc = new CRC32();
		crc.update(bytes);
		return crc.getValue();
	}

	private static byte[] deflate(byte[] bytes, boolean last) throws IOException {
		Deflater deflater = new Deflater(Deflater.BEST_SPEED, true);
		try {
			ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 64);
			// Not closed: closing would end a head with a final block too.
			DeflaterOutputStream deflating = new DeflaterOutputStream(out, deflater, true);
			deflating.write(bytes);
			if (last) {
				deflating.finish();
			}
			else {
				deflating.flush();
			}
			return out.toByteArray();
		}
		finally {
			deflater.end();
		}
	}

}
