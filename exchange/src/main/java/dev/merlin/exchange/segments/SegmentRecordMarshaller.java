package dev.merlin.exchange.segments;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.hash.serialization.SizedReader;
import net.openhft.chronicle.hash.serialization.SizedWriter;
import net.openhft.chronicle.hash.serialization.impl.EnumMarshallable;

/**
 * Reads and writes a user's segments as the value bytes of the Chronicle Map entry.
 *
 * <p>Chronicle Map stores the value size in front of the value, so the value is nothing but the pairs;
 * their count is {@code size / 8}. Fields are in the byte order Chronicle Bytes uses (little-endian).
 * <pre>
 *  0                 4                 8                               8n
 *  +-----------------+-----------------+--------  ...  ----------------+
 *  | segmentId[0]    | expiresAt[0]    | segmentId[1] | expiresAt[1] ... |
 *  | int32           | uint32 epoch s  |                                |
 *  +-----------------+-----------------+--------  ...  ----------------+
 *  n = number of segments held, 0 < n <= maxSegmentsPerUser; an empty record is never stored
 * </pre>
 * Reading decodes into the {@code using} record and allocates only when that record has to grow, which
 * keeps {@code getUsing} allocation-free in steady state.
 */
final class SegmentRecordMarshaller implements SizedReader<SegmentRecord>, SizedWriter<SegmentRecord>,
        EnumMarshallable<SegmentRecordMarshaller> {

    static final SegmentRecordMarshaller INSTANCE = new SegmentRecordMarshaller();

    /** Bytes per stored segment: id and expiry. */
    static final int PAIR_BYTES = 8;

    private SegmentRecordMarshaller() {
    }

    @Override
    public SegmentRecord read(Bytes<?> in, long size, SegmentRecord using) {
        int n = (int) (size / PAIR_BYTES);
        SegmentRecord record = using != null ? using : new SegmentRecord(Math.max(1, n));
        record.ensureCapacity(n);
        final int[] ids = record.segmentIds;
        final int[] expiries = record.expiresAt;
        for (int i = 0; i < n; i++) {
            ids[i] = in.readInt();
            expiries[i] = in.readInt();
        }
        record.count = n;
        return record;
    }

    @Override
    public long size(SegmentRecord toWrite) {
        return (long) toWrite.count * PAIR_BYTES;
    }

    @Override
    public void write(Bytes<?> out, long size, SegmentRecord toWrite) {
        final int[] ids = toWrite.segmentIds;
        final int[] expiries = toWrite.expiresAt;
        for (int i = 0, n = toWrite.count; i < n; i++) {
            out.writeInt(ids[i]);
            out.writeInt(expiries[i]);
        }
    }

    @Override
    public SegmentRecordMarshaller readResolve() {
        return INSTANCE;
    }
}
